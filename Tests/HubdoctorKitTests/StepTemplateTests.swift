import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct StepTemplateTests {
    func render(_ source: String, _ values: [String: String], shell: Bool = false) throws -> String? {
        try StepTemplate(parsing: source).render(values, context: shell ? .shell : .prose, raw: RunbookVariables.rawNames)
    }

    @Test func slotsAreFilledFromTheValues() throws {
        #expect(try render("Edit {{caller.location}} ({{ caller.var }})", ["caller.location": "hivecfm-core/.env:3", "caller.var": "HIVECFM_HUB_API_KEY"])
                == "Edit hivecfm-core/.env:3 (HIVECFM_HUB_API_KEY)")
    }

    @Test func aMissingOrEmptyValueDropsTheWholeTextInsteadOfLeavingABlank() throws {
        #expect(try render("Edit {{caller.location}}", [:]) == nil)
        #expect(try render("Edit {{caller.location}}", ["caller.location": ""]) == nil)
    }

    @Test func alternativesAreTriedLeftToRightAndALiteralEndsThem() throws {
        let t = "at {{url.location|caller.file|\"the caller's env file\"}}"
        #expect(try render(t, ["url.location": "a/.env:2", "caller.file": "b/.env"]) == "at a/.env:2")
        #expect(try render(t, ["caller.file": "b/.env"]) == "at b/.env")
        #expect(try render(t, [:]) == "at the caller's env file")
        #expect(try render("{{restart|''}}", [:]) == "")
    }

    @Test func aLiteralDoubleBraceIsWrittenAsAQuotedSlot() throws {
        #expect(try render(#"docker inspect -f '{{"{{"}}.State.Status}}' hub"#, [:]) == "docker inspect -f '{{.State.Status}}' hub")
    }

    @Test func placeholderTextShowsEachSlotByItsFirstVariable() throws {
        #expect(try StepTemplate(parsing: "Edit {{caller.location|caller.file}} then {{\"x\"}}").placeholderText == "Edit <caller.location> then x")
    }

    @Test(arguments: [
        ("Edit {{caller.file", "never closed"),
        ("{{Caller.File}}", "not a variable name"),
        ("{{\"fallback\"|caller.file}}", "put it last"),
        ("{{ }}", "expected a variable name"),
        ("{{caller.file caller.line}}", "expected `|` or `}}`"),
        ("{{\"never closed}}", "quoted text"),
    ])
    func malformedSlotsAreSyntaxErrorsAtTheirOffset(_ source: String, _ message: String) {
        do {
            _ = try StepTemplate(parsing: source)
            Issue.record("\(source) parsed")
        } catch let e as StepTemplate.SyntaxError {
            #expect(e.message.contains(message), "\(e.message)")
            #expect(e.offset == source.unicodeScalars.count - source.drop { $0 != "{" }.unicodeScalars.count)
        } catch {
            Issue.record("\(error)")
        }
    }

    /// The quoting is proved by a real shell: whatever the value holds, the command receives
    /// exactly that value as one word, bare, inside single quotes and inside double quotes.
    @Test(arguments: ["/tmp/my layout/.env", "it's", "a\"b$HOME`x`\\", "plain-path/.env", "&;|()<>*?"])
    func shellCommandsReceiveValuesIntactWhereverTheyLand(_ value: String) throws {
        for template in ["printf '%s' {{caller.path}}", "printf '%s' '{{caller.path}}'", "printf '%s' \"{{caller.path}}\"",
                         "printf '%s' pre{{caller.path}}post"] {
            let command = try #require(try render(template, ["caller.path": value], shell: true))
            let out = try Self.sh(command)
            let expected = template.contains("pre") ? "pre\(value)post" : value
            #expect(out == expected, "\(template) → \(command)")
        }
    }

    @Test func rawVariablesAreCommandsAndAreNotQuoted() throws {
        let command = try render("cd {{root}} && {{restart}}", ["root": "/srv/app", "restart": "docker compose restart hivecfm-hub-api hivecfm-core"], shell: true)
        #expect(command == "cd /srv/app && docker compose restart hivecfm-hub-api hivecfm-core")
    }

    @Test func proseIsNeverQuoted() throws {
        #expect(try render("Edit {{caller.path}}", ["caller.path": "/tmp/my layout/.env"]) == "Edit /tmp/my layout/.env")
    }

    static func sh(_ command: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.environment = ["HOME": "/nonexistent-home"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
