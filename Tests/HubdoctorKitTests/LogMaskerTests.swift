import Testing
@testable import HubdoctorKit

@Suite struct LogMaskerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var hidden: [String]
        var kept: [String]
        var testDescription: String { line }
    }

    static let cases: [Case] = [
        Case(line: "Authorization: Bearer 9fK2mQ7xVb4Lp8TzR1wN6cYh", hidden: ["9fK2"], kept: ["Authorization: Bearer ‹redacted›"]),
        Case(line: "headers={\"authorization\":\"Bearer abc.def.ghi\"}", hidden: ["abc.def"], kept: ["\"authorization\":\"Bearer ‹redacted›\""]),
        Case(line: "-H 'Authorization: hivecfm-hub-secret-key'", hidden: ["hivecfm-hub-secret-key"], kept: ["Authorization: ‹redacted›"]),
        Case(line: "Authorization: Basic dXNlcjpwYXNzd29yZA==", hidden: ["dXNlcjpw"], kept: ["Basic ‹redacted›"]),
        Case(line: "GET /v1/x?api_key=s3cr3t-value&page=2", hidden: ["s3cr3t"], kept: ["api_key=‹redacted›&page=2"]),
        Case(line: "config token=abc123 GITEA_MCP_TOKEN: xyz789", hidden: ["abc123", "xyz789"], kept: ["token=‹redacted›", "GITEA_MCP_TOKEN: ‹redacted›"]),
        Case(line: "X-Api-Key: k_live_0001", hidden: ["k_live"], kept: ["X-Api-Key: ‹redacted›"]),
        Case(line: "password=\"hunter2 with spaces\" next", hidden: ["hunter2"], kept: ["password=\"‹redacted›\" next"]),
        Case(line: "dial postgres://app:Pa55w0rd@db:5432/app", hidden: ["Pa55w0rd"], kept: ["postgres://app:‹redacted›@db:5432/app"]),
        Case(line: "token=hbk_AbCd1234Qw9Zx8Vu7Ts6Rp5On4Ml3K", hidden: ["Qw9Zx8"], kept: ["token=hbk_AbCd1234‹redacted›"]),
        Case(line: "Token prefix: hbk_AbCd1234", hidden: [], kept: ["hbk_AbCd1234"]),
        Case(line: "sync with d7423fc3eabcb9d2f1ee2b0d88b5d15a2c51b54f failed", hidden: ["d7423fc3"], kept: ["sync with ‹redacted› failed"]),
        Case(line: "key rotated to Zq8Lr2Wn5Tk9Pb3Xv7Jm4Hc6 today", hidden: ["Zq8Lr2"], kept: ["key rotated to ‹redacted› today"]),
        // Issue 10's shapes.
        Case(line: #"{"token" : "s3cr3t value here"}"#, hidden: ["s3cr3t", "value here"], kept: [#""token" : "‹redacted›"}"#]),
        Case(line: #"{"msg":"config key=\"horse battery staple\" loaded"}"#, hidden: ["horse", "battery", "staple"], kept: [#"key=\"‹redacted›\" loaded"#]),
        Case(line: "api_key='horse battery staple' next", hidden: ["horse", "battery", "staple"], kept: ["api_key='‹redacted›' next"]),
        Case(line: #"{\"api_key\" : \"horse battery\"}"#, hidden: ["horse", "battery"], kept: [#"\"api_key\" : \"‹redacted›\""#]),
        Case(line: "Authorization: Bearer abc123,def456,ghi789 from 10.0.0.7", hidden: ["abc123", "def456", "ghi789"], kept: ["Bearer ‹redacted› from 10.0.0.7"]),
        Case(line: "GET /x?bearer=shortkey1&page=2", hidden: ["shortkey1"], kept: ["bearer=‹redacted›&page=2"]),
        Case(line: "auth Bearer: tok3n-v4lue rejected", hidden: ["tok3n"], kept: ["Bearer: ‹redacted› rejected"]),
        Case(line: "auth Bearer: k3y&w1th&amps rejected", hidden: ["w1th"], kept: ["Bearer: ‹redacted› rejected"]),
        Case(line: "bearer=\"a b c d\" rejected", hidden: ["a b c d"], kept: ["bearer=\"‹redacted›\" rejected"]),
        Case(line: "<auth><token>abc def 123</token></auth>", hidden: ["abc def"], kept: ["<token>‹redacted›</token>"]),
        Case(line: "<ns:api_key type=\"x\">k-1 2 3</ns:api_key>", hidden: ["k-1 2"], kept: ["‹redacted›</ns:api_key>"]),
        // What helps a diagnosis and is not secret stays readable.
        Case(line: "Authorization: Bearer undefined", hidden: [], kept: ["Bearer undefined"]),
        Case(line: "Authorization: Bearer ${GITEA_MCP_TOKEN}", hidden: [], kept: ["Bearer ${GITEA_MCP_TOKEN}"]),
        Case(line: "{\"error\":\"Invalid Authorization header format. Expected: Bearer <api-key>\"}", hidden: [], kept: ["Expected: Bearer <api-key>\"}"]),
        Case(line: "{\"gitea_mcp_token\":\"\"}", hidden: [], kept: ["\"gitea_mcp_token\":\"\""]),
        Case(line: "[agent] auth fail reason=invalid_api_key hash=3f9a12c7... host=build-agent-3", hidden: [], kept: ["reason=invalid_api_key hash=3f9a12c7... host=build-agent-3"]),
        Case(line: "POST http://hivecfm-hub-api:8080/v1/feedback-records 401 (Unauthorized)", hidden: [], kept: ["http://hivecfm-hub-api:8080/v1/feedback-records 401"]),
        Case(line: "missing bearer token in request", hidden: [], kept: ["missing bearer token in request"]),
        Case(line: "2026-05-18T06:06:42.611204Z {\"level\":\"error\",\"msg\":\"project_create failed\"}", hidden: [], kept: ["2026-05-18T06:06:42.611204Z"]),
    ]

    @Test(arguments: cases)
    func keyLikeValuesAreMaskedAndDiagnosticTextStays(_ c: Case) {
        let masked = LogMasker.mask(c.line)
        for h in c.hidden { #expect(!masked.contains(h), "\(masked)") }
        for k in c.kept { #expect(masked.contains(k), "\(masked)") }
    }
}

extension LogMaskerTests {
    /// A key the run knows is removed wherever it stands, whole and by every run of 10
    /// characters, even in prose where no shape gives it away.
    @Test func aKnownKeyIsRemovedFromFreeTextBeforeAnyOtherMasking() {
        let key = "correct horse battery staple"
        let scrubber = KeyScrubber(keys: [key])
        let masked = LogMasker.mask("user pasted correct horse battery staple into chat; later: orse batter", scrubber: scrubber)
        #expect(masked == "user pasted ‹redacted› into chat; later: ‹redacted›", "\(masked)")
        #expect(LogMasker.mask("key=short!x1 and short!x1", scrubber: KeyScrubber(keys: ["short!x1"])) == "key=‹redacted› and ‹redacted›")
    }
}
