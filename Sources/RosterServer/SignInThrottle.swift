import Foundation
import Synchronization

/// Limits password sign-ins per client address and overall, before any password is checked: each address may try
/// `perAddress` times a minute (in bursts of as many) and everyone together `overall` times a minute. An attempt
/// over either gets how long to wait. The per-address table is capped at ``capacity`` addresses; past it, the
/// least recently seen go first, so that many addresses cannot grow memory.
final class SignInThrottle: Sendable {
    let perAddress: Double
    let overall: Double
    let capacity: Int
    struct Bucket {
        var tokens: Double
        var at: Date
    }
    struct State {
        var addresses: [String: Bucket] = [:]
        var all: Bucket
    }
    let state: Mutex<State>

    /// - Parameters: `perAddress` and `overall` are attempts per minute; 0 turns that limit off.
    init(perAddress: Int, overall: Int, capacity: Int = 10_000) {
        self.perAddress = Double(max(0, perAddress))
        self.overall = Double(max(0, overall))
        self.capacity = max(1, capacity)
        state = Mutex(State(all: Bucket(tokens: Double(max(0, overall)), at: .distantPast)))
    }

    /// Counts an attempt from `address`; `nil` when it may go ahead, else whole seconds to wait.
    func acquire(_ address: String, at now: Date) -> Int? {
        state.withLock { state in
            if perAddress > 0 {
                var bucket = state.addresses[address] ?? Bucket(tokens: perAddress, at: now)
                Self.refill(&bucket, perMinute: perAddress, at: now)
                guard bucket.tokens >= 1 else { return Self.wait(bucket, perMinute: perAddress) }
                if overall > 0 {
                    Self.refill(&state.all, perMinute: overall, at: now)
                    guard state.all.tokens >= 1 else { return Self.wait(state.all, perMinute: overall) }
                    state.all.tokens -= 1
                }
                bucket.tokens -= 1
                if state.addresses[address] == nil, state.addresses.count >= capacity { evict(&state, now: now) }
                state.addresses[address] = bucket
                return nil
            }
            guard overall > 0 else { return nil }
            Self.refill(&state.all, perMinute: overall, at: now)
            guard state.all.tokens >= 1 else { return Self.wait(state.all, perMinute: overall) }
            state.all.tokens -= 1
            return nil
        }
    }

    /// How many addresses are remembered.
    var count: Int { state.withLock { $0.addresses.count } }

    /// Forgets addresses whose bucket is full again (they would start full anyway), and if that frees nothing, the
    /// least recently seen half.
    func evict(_ state: inout State, now: Date) {
        let minutesToFill = 1.0
        state.addresses = state.addresses.filter { now.timeIntervalSince($0.value.at) < minutesToFill * 60 }
        if state.addresses.count >= capacity {
            let keep = state.addresses.sorted { $0.value.at > $1.value.at }.prefix(capacity / 2)
            state.addresses = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    static func refill(_ bucket: inout Bucket, perMinute: Double, at now: Date) {
        let elapsed = max(0, now.timeIntervalSince(bucket.at))
        bucket.tokens = min(perMinute, bucket.tokens + elapsed * perMinute / 60)
        bucket.at = now
    }

    static func wait(_ bucket: Bucket, perMinute: Double) -> Int {
        max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up)))
    }
}
