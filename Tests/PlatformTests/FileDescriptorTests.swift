import Testing
@testable import Platform
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileDescriptorTests {
    func tempFile(_ bytes: [UInt8]) -> String {
        var template = Array("/tmp/slod-fd-test-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        bytes.withUnsafeBytes { try? FD.writeAll(fd, $0) }
        FD.close(fd)
        return String(cString: template)
    }

    @Test func fileAtLimitIsReadAndOneByteOverIsTooLarge() throws {
        let bytes = (0..<10_000).map { UInt8($0 % 251) }
        let path = tempFile(bytes)
        defer { unlink(path) }
        #expect(try FD.readFile(path, limit: 10_000) == bytes)
        #expect(throws: Errno(rawValue: EFBIG)) { try FD.readFile(path, limit: 9_999) }
        #expect(try FD.readFile(path, limit: 4_096, truncating: true) == Array(bytes[0..<4_096]))
    }

    @Test func missingFileThrowsENOENT() {
        #expect(throws: Errno.noSuchFile) { try FD.readFile("/nonexistent/slod/config.yaml") }
    }

    @Test func errnoDescriptionNamesTheError() {
        #expect(Errno.noSuchFile.description.contains("No such file"))
    }
}

@Suite struct WriteFileAtomicallyTests {
    @Test func replacesContentsAndLeavesNoTemporary() throws {
        let dir = "/tmp/slod-atomic-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        #expect(mkdir(dir, 0o700) == 0)
        defer { _ = unlink(dir + "/f"); _ = rmdir(dir) }
        try FD.writeFileAtomically(dir + "/f", Array("first\n".utf8))
        try FD.writeFileAtomically(dir + "/f", Array("second\n".utf8))
        #expect(try FD.readFile(dir + "/f") == Array("second\n".utf8))
        #expect(access(dir + "/f.tmp", F_OK) != 0)
    }

    @Test func failureLeavesTheTargetAlone() {
        #expect(throws: Errno.self) { try FD.writeFileAtomically("/tmp/slod-no-such-dir-\(getpid())/x/y", [1, 2, 3]) }
    }
}
