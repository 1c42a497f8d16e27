import Synchronization

/// A heap-allocated `Mutex`, so that Sendable classes and closures can share one lock.
/// (Mutex itself is non-copyable; a final class holding it is the usual wrapper.)
final class LabMutex<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) { mutex = Mutex(value) }

    func withLock<R: Sendable, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        try mutex.withLock { (value: inout sending Value) throws(E) -> R in try body(&value) }
    }
}
