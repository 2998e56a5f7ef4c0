import Testing
@testable import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The typed file calls the storage layer uses: each does what its system call does and
/// reports a failure as the `Errno` the call set.
@Suite struct FileSystemTests {
    /// A fresh directory, removed with its files by `remove`.
    struct Scratch {
        let path = "/tmp/slod-fs-test-\(CurrentProcess.id)-\(UInt64.random(in: 0...UInt64.max))"
        init() throws { try FileSystem.makeDirectory(path, permissions: 0o700) }
        func file(_ name: String) -> String { path + "/" + name }
        func remove() {
            for name in (try? FileSystem.names(in: path)) ?? [] { try? FileSystem.unlink(file(name)) }
            _ = rmdir(path)
        }
    }

    func write(_ text: String, to path: String, _ options: FD.OpenOptions = [.writeOnly, .create, .truncate]) throws {
        let fd = try FD.open(path, options)
        defer { FD.close(fd) }
        try Array(text.utf8).withUnsafeBytes { raw in try Result { () throws(Errno) in try FD.writeAll(fd, raw) }.get() }
    }

    @Test func createExclusiveRefusesAnExistingFile() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try write("a", to: dir.file("f"), [.writeOnly, .create, .exclusive])
        #expect(throws: Errno.exists) { try write("b", to: dir.file("f"), [.writeOnly, .create, .exclusive]) }
        #expect(try FD.readFile(dir.file("f")) == Array("a".utf8))
        #expect(throws: Errno.noSuchFile) { _ = try FD.open(dir.file("missing")) }
    }

    @Test func appendAndSyncKeepEveryWrite() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try write("one,", to: dir.file("log"), [.writeOnly, .create, .append])
        try write("two", to: dir.file("log"), [.writeOnly, .append])
        let fd = try FD.open(dir.file("log"), .readWrite)
        defer { FD.close(fd) }
        try FD.sync(fd)
        try FD.syncData(fd)
        #expect(try FD.size(fd) == 7)
        #expect(try FD.readFile(dir.file("log")) == Array("one,two".utf8))
        #expect(throws: Errno.badFileDescriptor) { try FD.syncData(-1) }
    }

    @Test func truncateByDescriptorAndByPath() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try write("0123456789", to: dir.file("t"))
        let fd = try FD.open(dir.file("t"), .readWrite)
        try FD.truncate(fd, to: 6)
        #expect(try FD.size(fd) == 6)
        FD.close(fd)
        try FileSystem.truncate(dir.file("t"), to: 2)
        #expect(try FD.readFile(dir.file("t")) == Array("01".utf8))
        #expect(throws: Errno.noSuchFile) { try FileSystem.truncate(dir.file("missing"), to: 0) }
    }

    @Test func renameReplacesAndUnlinkRemoves() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try write("new", to: dir.file("a"))
        try write("old", to: dir.file("b"))
        try FileSystem.rename(dir.file("a"), to: dir.file("b"))
        try FileSystem.syncDirectory(dir.path)
        #expect(try FileSystem.names(in: dir.path) == ["b"])
        #expect(try FD.readFile(dir.file("b")) == Array("new".utf8))
        try FileSystem.unlink(dir.file("b"))
        #expect(try FileSystem.names(in: dir.path).isEmpty)
        #expect(throws: Errno.noSuchFile) { try FileSystem.unlink(dir.file("b")) }
        #expect(throws: Errno.noSuchFile) { try FileSystem.rename(dir.file("b"), to: dir.file("c")) }
    }

    @Test func makingAnExistingDirectoryIsNotAnError() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try FileSystem.makeDirectory(dir.path, permissions: 0o700)
        try write("x", to: dir.file("plain"))
        #expect(throws: Errno.self) { try FileSystem.names(in: dir.file("plain")) }
        #expect(throws: Errno.self) { try FileSystem.syncDirectory(dir.file("plain")) }
    }

    @Test func positionedWritesAndReads() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let fd = try FD.open(dir.file("p"), [.readWrite, .create])
        defer { FD.close(fd) }
        try Array("hello world".utf8).withUnsafeBytes { raw in try Result { () throws(Errno) in try FD.write(fd, raw, at: 0) }.get() }
        try Array("W".utf8).withUnsafeBytes { raw in try Result { () throws(Errno) in try FD.write(fd, raw, at: 6) }.get() }
        var out = [UInt8](repeating: 0, count: 5)
        let n = try out.withUnsafeMutableBytes { raw in try Result { () throws(Errno) in try FD.read(fd, into: raw, at: 6) }.get() }
        #expect(n == 5)
        #expect(out == Array("World".utf8))
        let copy = try FD.duplicate(fd)
        #expect(copy != fd)
        #expect(try FD.size(copy) == 11)
        FD.close(copy)
    }

    @Test func anExclusiveLockIsRefusedToASecondOpenFile() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let first = try FD.open(dir.file("lock"), [.readWrite, .create])
        let second = try FD.open(dir.file("lock"), .readWrite)
        defer { FD.close(second) }
        #expect(try FD.tryLockExclusive(first))
        #expect(try !FD.tryLockExclusive(second))
        FD.close(first)   // the lock goes with the descriptor
        #expect(try FD.tryLockExclusive(second))
    }
}
