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
