#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers over the C calls whose names clash with methods of the types
// that use them (`close`, `write`), so that those types need not name the C
// library module.

/// Closes a file descriptor, ignoring the result (nothing useful can be done).
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// `write(2)`.
func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
