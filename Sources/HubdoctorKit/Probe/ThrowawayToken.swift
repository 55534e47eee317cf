/// The token the negative probes send: random, marked as hubdoctor's, and never derived from a
/// real key, so a service that counts failures per token never charges them to the real one.
enum ThrowawayToken {
    static func make(avoiding secrets: [SecretValue]) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        while true {
            let token = "hubdoctor-probe-" + String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            // Astronomically unlikely, but a real key must never be sent in a wrong shape.
            if !secrets.contains(where: { !$0.isEmpty && (token.contains($0.text) || $0.text.contains(token)) }) { return token }
        }
    }
}
