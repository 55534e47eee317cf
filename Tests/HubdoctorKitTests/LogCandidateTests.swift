import Testing
@testable import HubdoctorKit

/// `LogClassifier.isCandidate` looks at sixteen bytes at a time before it looks byte by byte:
/// it must still find every opening wherever it sits (inside a block, across two, in the tail).
struct LogCandidateTests {
    static let openings = ["401", "403", "429", "503", "4001", "auth", "AUTH", "Auth", "uth", "Unav", "UNAVAILABLE",
                           "_key", "_KEY", "_cap", "_roo", "Forb", "FORBIDDEN", "many", "Many", "API ", "api "]

    static func candidate(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { LogClassifier.isCandidate($0) }
    }

    /// The rule, written plainly, for comparison.
    static func reference(_ text: String) -> Bool {
        let l = text.lowercased()
        return ["401", "403", "429", "503", "4001", "uth", "unav", "_key", "_cap", "_roo", "forb", "many", "api "].contains { l.contains($0) }
    }

    @Test(arguments: openings)
    func everyOpeningIsFoundAtEveryOffset(_ opening: String) {
        for length in [3, 15, 16, 17, 31, 32, 33, 64] where length >= opening.utf8.count {
            for offset in 0...(length - opening.utf8.count) {
                let line = String(repeating: "x", count: offset) + opening + String(repeating: "x", count: length - offset - opening.utf8.count)
                #expect(Self.candidate(line), "\(opening) at \(offset) in \(length) bytes")
            }
        }
    }

    @Test func linesWithoutAnOpeningAreNotCandidatesThoughFullOfDigitsAndLetters() {
        let lines = [
            "2026-12-01T10:00:00.000Z level=info msg=\"request\" method=GET path=/v1/webhooks status=200 took=45ms client=10.0.3.7",
            String(repeating: "4", count: 100), String(repeating: "5", count: 40) + "0",
            String(repeating: "ut", count: 30).replacingOccurrences(of: "ut", with: "u t"),
            "40", "4 01", "5 03", "_ke", "forbade".replacingOccurrences(of: "b", with: " b"),
        ]
        for line in lines {
            #expect(Self.candidate(line) == Self.reference(line), "\(line)")
        }
    }

    @Test func agreesWithThePlainRuleOnRandomLines() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_ -=:./\"'".utf8)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...80, using: &rng)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &rng) ?? 0x20 }
            let line = String(decoding: bytes, as: UTF8.self)
            #expect(Self.candidate(line) == Self.reference(line), "\(line)")
        }
    }
}
