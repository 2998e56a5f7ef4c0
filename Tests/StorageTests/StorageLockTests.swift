import Foundation
import Storage
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct StorageLockTests {
    @Test func aSecondLockOnTheDirectoryIsRefusedWithTheHolder() throws {
        let dir = WALWriterTests.Dir()
        try WALDirectory.create(dir.path)
        let first = try StorageLock(directory: dir.path)
        do {
            _ = try StorageLock(directory: dir.path)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.description.contains("in use by another slod (pid \(getpid()))"), "\(error)")
            #expect(error.description.contains(dir.path))
        }
        first.release()
        let again = try StorageLock(directory: dir.path)
        again.release()
    }
}
