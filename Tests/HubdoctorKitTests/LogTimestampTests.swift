import Testing
@testable import HubdoctorKit

@Suite struct LogTimestampTests {
    static let may18 = 1_779_084_402.0 // 2026-05-18T06:06:42Z

    @Test(arguments: [
        ("2026-05-18T06:06:42Z POST …", may18, "2026-05-18T06:06:42Z"),
        ("2026-05-18T06:06:42.250Z x", may18 + 0.25, "2026-05-18T06:06:42.250Z"),
        ("2026-05-18T08:06:42+02:00 x", may18, "2026-05-18T08:06:42+02:00"),
        ("2026-05-18 06:06:42 x", may18, "2026-05-18 06:06:42"),
        ("[2026-05-18T06:06:42Z] x", may18, "2026-05-18T06:06:42Z"),
        ("2026/05/18 06:06:42 GET /x 401", may18, "2026/05/18 06:06:42"),
        ("[GIN] 2026/05/18 - 06:06:42 | 401 |", may18, "2026/05/18 - 06:06:42"),
        ("hivecfm-hub-api-1  | 2026-05-18T06:06:42Z x", may18, "2026-05-18T06:06:42Z"),
        ("172.18.0.5 - - [18/May/2026:06:06:42 +0000] \"POST /v1/x HTTP/1.1\" 401 40", may18, "18/May/2026:06:06:42 +0000"),
        ("{\"level\":50,\"time\":1779084402000,\"msg\":\"x\"}", may18, "2026-05-18T06:06:42.000Z"),
        ("{\"ts\":1779084402.5,\"msg\":\"x\"}", may18 + 0.5, "2026-05-18T06:06:42.500Z"),
    ])
    func commonTimestampFormsAreRead(_ line: String, _ epoch: Double, _ text: String) throws {
        let t = try #require(LogTimestamp.parse(line))
        #expect(abs(t.epoch - epoch) < 0.001)
        #expect(t.text == text)
    }

    @Test func syslogStampsWithoutYearAreRead() throws {
        let t = try #require(LogTimestamp.parse("May 26 10:02:00 koala remo-supervisor[4121]: ws closed"))
        #expect(t.text == "May 26 10:02:00")
    }

    @Test(arguments: ["HTTP/1.1 401 Unauthorized", "{\"error\":\"Missing Authorization header\"}", "worker processed 401 records", ""])
    func linesWithoutATimestampHaveNone(_ line: String) {
        #expect(LogTimestamp.parse(line) == nil)
    }
}
