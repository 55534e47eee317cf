import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper program (such as `sops`) with a deadline. The child gets its own process group
/// and `/dev/null` as stdin, so a helper that waits for a passphrase or a network call, or that
/// leaves a grandchild holding its pipes, is killed as a whole when the time is up.
enum Subprocess {
    struct Outcome {
        enum Status: Equatable {
            case exited(Int32)
            case signaled(Int32)
            case timedOut
            case outputTooLarge
        }
        var status: Status
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    struct LaunchFailure: Error { var reason: String }

    /// The first `name` on `PATH` that is an executable file.
    static func find(_ name: String, path: String?) -> String? {
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0, SourceFile.exists(candidate) { return candidate }
        }
        return nil
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Double, maxOutput: Int = 8 << 20) -> Result<Outcome, LaunchFailure> {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { return .failure(LaunchFailure(reason: "cannot create a pipe")) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            return .failure(LaunchFailure(reason: "cannot create a pipe"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // ETXTBSY: the program was just written (a freshly installed sops, a test's stand-in) and
        // a process forked meanwhile still holds its write descriptor until it execs. Brief:
        // try again for up to a second, as Go's os/exec does.
        var busyRetries = 0
        while spawned == ETXTBSY, busyRetries < 50 {
            busyRetries += 1
            usleep(20_000)
            spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0]); close(errPipe[0])
            return .failure(LaunchFailure(reason: "cannot start \(executable): \(String(cString: strerror(spawned)))"))
        }

        let deadline = Date().addingTimeInterval(timeout)
        var out: [UInt8] = [], err: [UInt8] = []
        var open: [Int32: Bool] = [outPipe[0]: true, errPipe[0]: true]
        var status: Outcome.Status? = nil
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.values.contains(true) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { status = .timedOut; break }
            var fds = open.filter(\.value).map { pollfd(fd: $0.key, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0, errno != EINTR { status = .timedOut; break }
            for fd in fds where fd.revents != 0 {
                let n = read(fd.fd, &buffer, buffer.count)
                if n <= 0 { open[fd.fd] = false; continue }
                if fd.fd == outPipe[0] { out += buffer[0..<n] } else { err += buffer[0..<n] }
            }
            if out.count + err.count > maxOutput { status = .outputTooLarge; break }
        }
        close(outPipe[0]); close(errPipe[0])

        var raw: Int32 = 0
        if status == nil {
            // Both pipes are closed; give the process until the deadline to exit.
            while true {
                let r = waitpid(pid, &raw, WNOHANG)
                if r == pid { break }
                if r < 0 { raw = 0; break }
                if Date() >= deadline { status = .timedOut; break }
                usleep(10_000)
            }
        }
        if let status {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            waitpid(pid, &raw, 0)
            return .success(Outcome(status: status, stdout: out, stderr: err))
        }
        let signal = raw & 0x7f
        let final: Outcome.Status = signal == 0 ? .exited((raw >> 8) & 0xff) : .signaled(signal)
        return .success(Outcome(status: final, stdout: out, stderr: err))
    }
}
