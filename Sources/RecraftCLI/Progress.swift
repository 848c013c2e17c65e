// What a batch tells the user while it runs. On a terminal: one live line on stderr,
// redrawn (done, failed, in flight, rate, ETA), with failures printed above it. Not on a
// terminal: a plain line per finished job. `--json`: a JSON object per finished job on
// stdout, whatever stderr is. `--quiet`: failures only.

import Foundation
import Synchronization

final class ProgressReporter: Sendable {
    enum Style: Sendable {
        case live, lines, quiet

        /// Live on a terminal, lines elsewhere; quiet when asked.
        static func choose(quiet: Bool) -> Style { quiet ? .quiet : (Console.stderrIsTerminal ? .live : .lines) }
    }

    struct Counts: Sendable {
        var total = 0
        var succeeded = 0
        var failed = 0
        var skipped = 0
        var inFlight = 0
        var finished: Int { succeeded + failed + skipped }
    }

    private let title: String
    private let style: Style
    private let json: Bool
    private let state: Mutex<State>

    private struct State {
        var counts = Counts()
        var start = ContinuousClock.now
        var lastSaved: String?
        var lineShown = false
        var ticker: Task<Void, Never>?
    }

    init(title: String, total: Int, style: Style, json: Bool) {
        self.title = title
        self.style = style
        self.json = json
        var state = State()
        state.counts.total = total
        self.state = Mutex(state)
    }

    /// Starts the clock, and the redraws of the live line.
    func begin() {
        guard style == .live else { return }
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                self?.redraw()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        state.withLock { $0.ticker = ticker }
    }

    func jobStarted() { state.withLock { $0.counts.inFlight += 1 } }

    /// A job left in flight (interrupted): it is no longer counted as running here.
    func jobLeft() { state.withLock { $0.counts.inFlight -= 1 } }

    func finished(_ outcome: JobOutcome, wasStarted: Bool, silently: Bool = false) {
        if json { Console.output(outcome.json) }
        state.withLock { state in
            if wasStarted { state.counts.inFlight -= 1 }
            switch outcome.state {
            case .succeeded:
                state.counts.succeeded += 1
                state.lastSaved = outcome.output
            case .failed: state.counts.failed += 1
            case .skipped: state.counts.skipped += 1
            case .inFlight: break
            }
            guard !silently, let line = line(for: outcome, counts: state.counts) else { return }
            show(line, state: &state)
        }
    }

    /// A message for the user, above the live line; not shown with `--quiet` unless `always`.
    func note(_ text: String, always: Bool = false) {
        guard style != .quiet || always else { return }
        state.withLock { show(text, state: &$0) }
    }

    /// Stops redrawing, clears the live line, and prints the summary (not with `--quiet`).
    @discardableResult
    func end(summary: Bool = true) -> Counts {
        let (counts, ticker) = state.withLock { state in
            let ticker = state.ticker
            state.ticker = nil
            clear(&state)
            return (state.counts, ticker)
        }
        ticker?.cancel()
        // A single job's line (lines mode) already said it all.
        let said = style == .lines && counts.total == 1 && !json
        if summary && style != .quiet && !said { Console.error(summaryLine()) }
        return counts
    }

    func summaryLine() -> String {
        state.withLock { state in
            let counts = state.counts
            let seconds = Self.seconds(since: state.start)
            if counts.total == 1, counts.succeeded == 1, let saved = state.lastSaved {
                return "\(title): saved \(Paths.display(saved)) in \(seconds)"
            }
            var parts = ["\(counts.succeeded) saved"]
            if counts.failed > 0 { parts.append(Console.failure("\(counts.failed) failed")) }
            if counts.skipped > 0 { parts.append("\(counts.skipped) skipped (output exists; --force overwrites)") }
            return "\(title): " + parts.joined(separator: ", ") + " in \(seconds)"
        }
    }

    // MARK: drawing

    private func line(for outcome: JobOutcome, counts: Counts) -> String? {
        let position = "[\(counts.finished)/\(counts.total)]"
        switch outcome.state {
        case .succeeded:
            // With --json, stdout already says it; stderr keeps to what needs a person.
            guard style == .lines, !json else { return nil }
            return "\(position) saved \(Paths.display(outcome.output ?? "?")) (from \(outcome.item.display))"
        case .skipped:
            guard style != .quiet else { return nil }
            return "\(position) skipped \(outcome.item.display): \(Paths.display(outcome.output ?? "the output")) exists; --force overwrites it"
        case .failed:
            let message = outcome.error.map { ErrorAdvice.message($0, preset: outcome.item.endpoint.preset) } ?? "failed"
            return Console.failure("\(position) failed \(outcome.item.display): \(message)")
        case .inFlight:
            return nil
        }
    }

    private func show(_ text: String, state: inout State) {
        clear(&state)
        Console.error(text)
        if state.ticker != nil { draw(&state) }
    }

    private func redraw() {
        state.withLock { state in
            guard state.ticker != nil else { return }
            draw(&state)
        }
    }

    private func draw(_ state: inout State) {
        var text = liveText(state)
        let width = max(20, Console.stderrColumns - 1)
        if text.count > width { text = String(text.prefix(width)) }
        Console.write("\r\u{1B}[K" + text, to: STDERR_FILENO)
        state.lineShown = true
    }

    private func clear(_ state: inout State) {
        guard state.lineShown else { return }
        Console.write("\r\u{1B}[K", to: STDERR_FILENO)
        state.lineShown = false
    }

    private func liveText(_ state: State) -> String {
        let counts = state.counts
        let elapsed = Double((ContinuousClock.now - state.start).milliseconds) / 1000
        let ran = counts.succeeded + counts.failed
        var text = "\(title): \(counts.succeeded + counts.skipped)/\(counts.total) done"
        if counts.failed > 0 { text += ", \(counts.failed) failed" }
        text += ", \(counts.inFlight) in flight"
        if ran > 0, elapsed > 0.5 {
            let rate = Double(ran) / elapsed
            let remaining = counts.total - counts.finished
            text += String(format: " · %.1f/s", rate)
            if remaining > 0 { text += " · ETA " + Self.duration(Double(remaining) / rate) }
        }
        return text
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = Double((ContinuousClock.now - start).milliseconds) / 1000
        return elapsed < 60 ? String(format: "%.1f s", elapsed) : duration(elapsed)
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
