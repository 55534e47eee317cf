import Testing
@testable import HubdoctorKit

@Suite struct AuthorizationClassifierTests {
    static let key = "hk_Z8q2Lw5Rt9Vx3Mn7Pb4Jc6Yd"
    static let expected = ExpectedKey(value: SecretValue(key), origin: "environment HUB_KEY", name: "HUB_KEY")

    struct Case: CustomTestStringConvertible, Sendable {
        var headers: [(String, String)]
        var target = "/v1/webhooks"
        var cause: Cause?
        var answer: Int
        var testDescription: String { headers.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + " \(target)" }
    }

    static let cases: [Case] = [
        Case(headers: [], cause: .callerKeyMissing, answer: 401),
        Case(headers: [("Authorization", "")], cause: .callerKeyMissing, answer: 401),
        Case(headers: [("Authorization", "Bearer")], cause: .callerKeyMissing, answer: 401),
        Case(headers: [("Authorization", "Bearer ")], cause: .callerKeyMissing, answer: 401),
        Case(headers: [("Authorization", "Bearer undefined")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer null")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer None")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer ${HIVECFM_HUB_API_KEY}")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer <api-key>")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer $API_KEY")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "Bearer changeme")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", "undefined")], cause: .placeholderKey, answer: 401),
        Case(headers: [("Authorization", key)], cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "bearer " + key)], cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "BEARER " + key)], cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "Bearer\t" + key)], cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "Token " + key)], cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "Basic aGk6dGhlcmU=")], cause: .headerShape, answer: 401),
        Case(headers: [("X-API-Key", key)], cause: .headerShape, answer: 401),
        Case(headers: [], target: "/v1/webhooks?api_key=abc123", cause: .headerShape, answer: 401),
        Case(headers: [("Authorization", "Bearer  " + key)], cause: .keyWhitespace, answer: 401),
        Case(headers: [("Authorization", "Bearer " + key + "\u{A0}")], cause: .keyWhitespace, answer: 401),
        Case(headers: [("Authorization", "Bearer \"" + key + "\"")], cause: .keyQuoted, answer: 401),
        Case(headers: [("Authorization", "Bearer hk_Q3m9Xr2Tb7Vn4Lw8Kp5Jd1Zc")], cause: .keyDrift, answer: 401),
        Case(headers: [("Authorization", "Bearer " + String(key.dropLast(4)))], cause: .keyDrift, answer: 401),
        Case(headers: [("Authorization", "Bearer " + key)], cause: nil, answer: 200),
        Case(headers: [("Authorization", "Bearer " + key), ("Authorization", "Bearer other")], cause: nil, answer: 200),
    ]

    @Test(arguments: cases)
    func eachHeaderShapeGetsItsCauseAndTheHubsAnswer(_ c: Case) {
        let request = ListenerRequest(method: "GET", target: c.target, headers: c.headers.map { ListenerHeader($0.0, $0.1) }, remote: "127.0.0.1:4000")
        let verdict = AuthorizationClassifier.classify(request, expected: Self.expected)
        #expect(verdict.cause == c.cause, "\(verdict.message)")
        #expect(verdict.status == (c.cause == nil ? .pass : .fail))
        #expect(HubAuthMiddleware.answer(request, key: Self.expected.value).status == c.answer)
        #expect(!verdict.message.contains(Self.key) && !verdict.summary.contains(Self.key))
    }

    @Test func caseOfTheSchemeNamesBothTheGoMiddlewareAndRFC9110() {
        let request = ListenerRequest(method: "GET", target: "/v1/webhooks", headers: [ListenerHeader("Authorization", "bearer " + Self.key)])
        let verdict = AuthorizationClassifier.classify(request, expected: Self.expected)
        #expect(verdict.message.contains("RFC 9110"))
        #expect(verdict.message.contains("compares the prefix `Bearer ` exactly"))
        #expect(verdict.message.contains("only its shape is wrong"))
    }

    @Test func aTrimmedServiceKeyIsBlamedOnTheService() {
        let padded = ExpectedKey(value: SecretValue(Self.key + "\r"), origin: "hivecfm-hub/.env:3", name: "API_KEY")
        let request = ListenerRequest(method: "GET", target: "/v1/webhooks", headers: [ListenerHeader("Authorization", "Bearer " + Self.key)])
        let verdict = AuthorizationClassifier.classify(request, expected: padded)
        #expect(verdict.cause == .keyWhitespace)
        #expect(verdict.message.contains("service's own key"))
    }
}
