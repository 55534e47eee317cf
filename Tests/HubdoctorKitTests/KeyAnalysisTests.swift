import Testing
@testable import HubdoctorKit

@Suite struct KeyAnalysisTests {
    @Test(arguments: ["changeme", "<api-key>", "----------", "xxx", "xxxxxxxxxxxx", "${HUB_KEY}", "$HUB_KEY", "undefined", "null",
                      "TODO", "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]", "abc123", "aaaaaaaabbbbbbbb", "12345678", "your-api-key-here"])
    func placeholdersAreRecognized(_ value: String) {
        #expect(KeyAnalysis.placeholderReason(SecretValue(value)) != nil)
    }

    @Test(arguments: ["hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck", "hivecfm-hub-secret-key", "d7423fc3eabcb9d2f1ee2b0d88b5d15a2c51b54f",
                      "hbk_AbCd1234efGH5678ijKL"])
    func realLookingKeysAreNotPlaceholders(_ value: String) {
        #expect(KeyAnalysis.placeholderReason(SecretValue(value)) == nil)
    }

    @Test func placeholderReasonsNeverQuoteTheValue() {
        for v in ["changeme", "<api-key>", "${HUB_KEY}", "abc123"] {
            #expect(!(KeyAnalysis.placeholderReason(SecretValue(v)) ?? "").contains(v))
        }
    }

    @Test func whitespaceAtTheEndsIsNamed() {
        #expect(KeyAnalysis.edgeWhitespace(SecretValue("key\n")) == "ends with LF (\\n)")
        #expect(KeyAnalysis.edgeWhitespace(SecretValue("key\r\n")) == "ends with CR LF")
        #expect(KeyAnalysis.edgeWhitespace(SecretValue("\u{FEFF}key")) == "starts with a BOM (U+FEFF)")
        #expect(KeyAnalysis.edgeWhitespace(SecretValue("key\u{00A0}")) == "ends with a no-break space (U+00A0)")
        #expect(KeyAnalysis.edgeWhitespace(SecretValue("k e y")) == nil)
    }

    @Test func quotesKeptByTheReaderAreNamed() {
        #expect(KeyAnalysis.quoteReason(SecretValue("\"abc\"")) == "it keeps literal double quotes around the key")
        #expect(KeyAnalysis.quoteReason(SecretValue("'abc'")) == "it keeps literal single quotes around the key")
        #expect(KeyAnalysis.quoteReason(SecretValue("\"abc\" junk"))?.contains("text after the closing quote") == true)
        #expect(KeyAnalysis.quoteReason(SecretValue("abc")) == nil)
    }

    @Test func differenceShapesAreDescribedWithoutValues() {
        let k = "hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck"
        func shape(_ a: String, _ b: String) -> String { KeyAnalysis.differenceShape(SecretValue(a), "Core", SecretValue(b), "Hub") }
        #expect(shape(k + "\n", k).contains("only by whitespace at an end: Core's value ends with LF"))
        #expect(shape("\"\(k)\"", k).contains("only by quotes: Core's reader keeps literal quote"))
        #expect(shape(k.uppercased(), k) == "they differ only in letter case")
        #expect(shape(String(k.prefix(12)), k).contains("Core's value is a prefix of Hub's: 15 characters are missing"))
        #expect(shape("hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rfx", k).contains("same length (27 characters)"))
        for s in [shape(k + "\n", k), shape(String(k.prefix(12)), k)] { #expect(!s.contains(k.prefix(12))) }
    }

    @Test func fingerprintIsSha256PrefixOfTheDeliveredBytes() {
        // sha256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e...
        #expect(Fingerprint.of("hello") == "sha256:2cf24dba5fb0")
        #expect(SecretValue("hello").description.contains("hello") == false)
        #expect("\(SecretValue("hello"))".contains("hello") == false)
    }
}

extension KeyAnalysisTests {
    @Test func shownURLsLoseTheirCredentials() {
        #expect(Redact.url("http://user:s3cretpass@hub:8080/v1") == "http://hub:8080/v1")
        #expect(Redact.url("http://hub:8080/v1?api_key=s3cretpass&page=2") == "http://hub:8080/v1?api_key=REDACTED&page=2")
        #expect(Redact.url("http://localhost:8090") == "http://localhost:8090")
        // Odd characters in the password and the query: the credentials still go.
        let odd = Redact.url("http://admin:p%w d@hub:8080/v1?token=abc def")
        #expect(!odd.contains("p%w") && !odd.contains("abc def"), "\(odd)")
        let spaced = Redact.url("http://admin:pw@hub:8080/v1 x|y?token=abc")
        #expect(!spaced.contains("pw@") && !spaced.contains("=abc"), "\(spaced)")
    }

    @Test func everyCredentialNamedParameterOfAURLIsMaskedAndItsValueKnownForScrubbing() {
        let url = "https://ghp_TokenAsUser01@hub:8443/v1?access_token=AT123456&bearer=BR123456&sig=SG123456&X-Amz-Credential=CR123456&page=2#id_token=FR123456&state=x"
        let shown = Redact.url(url)
        #expect(shown == "https://hub:8443/v1?access_token=REDACTED&bearer=REDACTED&sig=REDACTED&X-Amz-Credential=REDACTED&page=2#id_token=REDACTED&state=x", "\(shown)")
        #expect(Set(Redact.credentials(in: url)) == ["ghp_TokenAsUser01", "AT123456", "BR123456", "SG123456", "CR123456", "FR123456"])
        #expect(Redact.target("/hook?token=abcdef123&x=1") == "/hook?token=REDACTED&x=1")
        #expect(Redact.target("/v1/webhooks") == "/v1/webhooks")
    }
}
