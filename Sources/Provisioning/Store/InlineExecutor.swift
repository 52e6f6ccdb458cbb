import Foundation

/// Runs an `async` transaction body to completion on the calling thread.
///
/// Store transactions are `async` because PostgreSQL answers over the network. SQLite and the memory store answer
/// in place: their statements are synchronous functions, so a body run against them never really waits, yet it
/// still has to run inside the place that holds the transaction open (SQLite's writer queue, where GRDB allows
/// its connection to be used, or the memory store's lock). This runs the body as a task whose executor is the
/// calling thread itself: every job the task enqueues runs here, in order, until the body returns. Should a body
/// hop elsewhere (an actor, a sleep), the thread waits for the job that resumes it.
package enum InlineExecution {
    /// Runs `body` on the calling thread and returns its result. The body does not escape: the task lets go of it
    /// before this returns (`withoutActuallyEscaping` checks).
    package static func run<T>(_ body: () async throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            let executor = InlineExecutor()
            let state = InlineTaskState<T>(body)
            Task(executorPreference: executor) {
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await state.body!())
                } catch {
                    outcome = .failure(error)
                }
                state.body = nil
                state.outcome = outcome
                executor.finish()
            }
            executor.runUntilFinished()
            return try state.outcome!.get()
        }
    }
}

/// The body and what it produced, handed between the caller and the task (the executor's lock orders the two).
private final class InlineTaskState<T>: @unchecked Sendable {
    var body: (() async throws -> T)?
    var outcome: Result<T, any Error>?
    init(_ body: @escaping () async throws -> T) { self.body = body }
}

/// A task executor whose jobs run on the thread that calls ``runUntilFinished()``.
private final class InlineExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs enqueued jobs in order until the task has finished.
    func runUntilFinished() {
        let unowned = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: unowned)
        }
    }
}
