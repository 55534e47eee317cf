import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct FileTransactionTests {
    final class Folder {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-tx-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit {
            chmod(path, 0o755)
            try? FileManager.default.removeItem(atPath: path)
        }
        func file(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
            let p = path + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: p))
            chmod(p, mode_t(mode))
            return p
        }
        func read(_ name: String) -> String { (try? String(contentsOfFile: path + "/" + name, encoding: .utf8)) ?? "<missing>" }
        func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
    }

    func write(_ path: String, _ text: String) throws -> PlannedWrite {
        PlannedWrite(path: path, display: (path as NSString).lastPathComponent, before: try FileState.read(path, display: path), after: Array(text.utf8))
    }

    func run(_ tx: FileTransaction) throws {
        try tx.preflight()
        try tx.stage()
        try tx.commit()
        tx.finish()
    }

    @Test func aCommitReplacesEachFileKeepsItsModeAndLeavesA0600Backup() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n", mode: 0o640)
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n")])
        try run(tx)
        #expect(dir.read("a.env") == "KEY=new\n")
        let attrs = try FileManager.default.attributesOfItem(atPath: a)
        #expect((attrs[.posixPermissions] as! NSNumber).intValue == 0o640)
        let backup = try #require(tx.backupPath(tx.writes[0]))
        #expect((try String(contentsOfFile: backup, encoding: .utf8)) == "KEY=old\n")
        #expect((try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as! NSNumber).intValue == 0o600)
        #expect(dir.names() == ["a.env", (backup as NSString).lastPathComponent])
    }

    @Test func aFileChangedAfterItWasReadIsNotOverwrittenAndNothingElseChanges() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n"), b = try dir.file("b.env", "KEY=old\n")
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n"), try write(b, "KEY=new\n")])
        try tx.preflight()
        try tx.stage()
        _ = try dir.file("b.env", "KEY=edited meanwhile\n")
        #expect(throws: HubdoctorError.self) { try tx.commit() }
        #expect(dir.read("a.env") == "KEY=old\n")
        #expect(dir.read("b.env") == "KEY=edited meanwhile\n")
        #expect(dir.names() == ["a.env", "b.env"])
    }

    @Test func aFailureAtTheSecondRenameRestoresTheFirstFile() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old-a\n"), b = try dir.file("b.env", "KEY=old-b\n")
        let faults = FaultInjection.from(environment: ["HUBDOCTOR_FAULT": "fail:after-rename@2"])
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n"), try write(b, "KEY=new\n")], faults: faults)
        #expect(throws: HubdoctorError.self) { try run(tx) }
        #expect(dir.read("a.env") == "KEY=old-a\n")
        #expect(dir.read("b.env") == "KEY=old-b\n")
        #expect(dir.names() == ["a.env", "b.env"])
    }

    @Test func aRollbackAfterVerificationPutsEveryFileBackAndRemovesCreatedOnes() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n")
        let created = dir.path + "/new.env"
        let side = SideFile(path: dir.path + "/old-key", display: "old-key", bytes: Array("old".utf8))
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n"), try write(created, "KEY=new\n")], sideFiles: [side])
        try tx.preflight()
        try tx.stage()
        try tx.commit()
        #expect(dir.read("new.env") == "KEY=new\n")
        try tx.rollBack()
        #expect(dir.read("a.env") == "KEY=old\n")
        #expect(dir.names() == ["a.env"])
    }

    @Test func aReadOnlyFileIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n", mode: 0o444)
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n")])
        #expect { try tx.preflight() } throws: { ($0 as? HubdoctorError)?.message.contains("read-only (mode 0444)") == true }
        #expect(dir.names() == ["a.env"])
    }

    @Test func aReadOnlyFolderIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n")
        chmod(dir.path, 0o555)
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n")])
        #expect { try tx.preflight() } throws: { ($0 as? HubdoctorError)?.message.contains("folder is read-only") == true }
        #expect(dir.read("a.env") == "KEY=old\n")
    }

    @Test func aFileWithSeveralHardLinksIsRefused() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n")
        #expect(link(a, dir.path + "/b.env") == 0)
        let tx = FileTransaction(command: "test", writes: [try write(a, "KEY=new\n")])
        #expect { try tx.preflight() } throws: { ($0 as? HubdoctorError)?.message.contains("hard links") == true }
    }

    @Test func aJournalLeftByAKilledRunIsRolledBackByTheNextOne() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old-a\n"), b = try dir.file("b.env", "KEY=old-b\n")
        // Do what `commit` does up to its first rename, then stop: what a process killed there leaves.
        let tx = FileTransaction(command: "rotate", writes: [try write(a, "KEY=new\n"), try write(b, "KEY=new\n")])
        try tx.preflight()
        try tx.stage()
        try PosixFile.move(tx.writes[0].path + FileTransaction.tempMarker + tx.id, a, display: "a.env")
        #expect(dir.read("a.env") == "KEY=new\n")
        let runs = try InterruptedRun.find(in: [dir.path])
        #expect(runs.count == 1)
        #expect(runs[0].describe().joined().contains("a.env: holds that run's new version"))
        _ = try runs[0].recover()
        #expect(dir.read("a.env") == "KEY=old-a\n")
        #expect(dir.read("b.env") == "KEY=old-b\n")
        #expect(dir.names() == ["a.env", "b.env"])
        #expect(try InterruptedRun.find(in: [dir.path]).isEmpty)
    }

    @Test func aJournalIsNotRolledBackOverAFileSomeoneChangedSince() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n")
        let tx = FileTransaction(command: "fix", writes: [try write(a, "KEY=new\n")])
        try tx.preflight()
        try tx.stage()
        _ = try dir.file("a.env", "KEY=hand edited\n")
        let runs = try InterruptedRun.find(in: [dir.path])
        #expect(throws: HubdoctorError.self) { try runs[0].recover() }
        #expect(dir.read("a.env") == "KEY=hand edited\n")
    }

    @Test func theTemporaryFileIs0600UntilTheCommitGivesItTheFilesMode() throws {
        let dir = try Folder()
        let a = try dir.file("a.env", "KEY=old\n", mode: 0o644)
        let tx = FileTransaction(command: "fix", writes: [try write(a, "KEY=new\n")])
        try tx.preflight()
        try tx.stage()
        let temp = try #require(dir.names().first { $0.contains(FileTransaction.tempMarker) })
        #expect(try mode(dir.path + "/" + temp) == 0o600)
        try tx.commit()
        tx.finish()
        #expect(try mode(a) == 0o644)
        #expect(dir.read("a.env") == "KEY=new\n")
    }

    @Test func theJournalIsWrittenBeforeAnyOtherFileAndNamesFilesInEveryFolder() throws {
        let one = try Folder(), two = try Folder(), journal = try Folder()
        let a = try one.file("a.env", "KEY=old-a\n"), b = try two.file("b.env", "KEY=old-b\n")
        let faults = FaultInjection.from(environment: ["HUBDOCTOR_FAULT": "fail:after-journal"])
        let tx = FileTransaction(command: "rotate", writes: [try write(a, "KEY=new\n"), try write(b, "KEY=new\n")], faults: faults,
                                 journalDirectory: journal.path)
        try tx.preflight()
        // Stop where a kill would: the journal is there, nothing else yet; a failure cleans it up.
        #expect(throws: HubdoctorError.self) { try tx.stage() }
        #expect(journal.names().isEmpty && one.names() == ["a.env"] && two.names() == ["b.env"])

        let staged = FileTransaction(command: "rotate", writes: [try write(a, "KEY=new\n"), try write(b, "KEY=new\n")], journalDirectory: journal.path)
        try staged.preflight()
        try staged.stage()
        // Only the journal's folder is scanned: the run's files in the two others are still found.
        let runs = try InterruptedRun.find(in: [journal.path])
        #expect(runs.count == 1)
        _ = try runs[0].recover()
        #expect(one.names() == ["a.env"] && two.names() == ["b.env"] && journal.names().isEmpty)
        #expect(one.read("a.env") == "KEY=old-a\n")
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }
}
