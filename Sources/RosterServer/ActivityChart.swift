import Foundation
import Provisioning

/// The activity charts as server-side SVG: one small bar chart per kind (so no meaning rests on colour), a bar
/// per bucket with its number in a `<title>` (shown on hover and read by screen readers), the kind's total and
/// peak in the chart's own title; and the same numbers as table rows.
enum ActivityChart {
    static let width = 720
    static let height = 90
    static let top = 4
    static let bottom = 2

    /// What each kind is called in the console.
    static func label(_ kind: ActivityKind) -> String {
        switch kind {
        case .created: "Created"
        case .updated: "Updated"
        case .deactivated: "Deactivated"
        case .reactivated: "Reactivated"
        case .refused: "Refused (403)"
        case .rejected: "Rejected"
        }
    }

    /// A bucket's start as the chart names it: the hour or the minute, UTC.
    static func bucketLabel(_ date: Date, range: ActivityRange) -> String {
        let text = Timestamp.format(date)  // 2026-12-04T13:05:00.000Z
        return String(text.prefix(range == .week ? 13 : 16)).replacingOccurrences(of: "T", with: " ")
            + (range == .week ? ":00" : "") + " UTC"
    }

    /// One chart per kind, in ``ActivityKind`` order: its SVG, label and total.
    static func charts(_ activity: Activity) -> [ActivitySection.Chart] {
        // The axis's words are HTML beside the chart: text inside a stretched SVG would be stretched too.
        let first = activity.buckets.first.map { bucketLabel($0.start, range: activity.range) } ?? ""
        let last = activity.buckets.last.map { bucketLabel($0.start, range: activity.range) } ?? ""
        return ActivityKind.allCases.map { kind in
            ActivitySection.Chart(
                kind: kind.rawValue, label: label(kind), total: activity.totals[kind] ?? 0,
                peak: activity.buckets.map { $0.counts[kind] ?? 0 }.max() ?? 0, first: first, last: last,
                svg: svg(activity, kind))
        }
    }

    static func svg(_ activity: Activity, _ kind: ActivityKind) -> String {
        let values = activity.buckets.map { $0.counts[kind] ?? 0 }
        let peak = values.max() ?? 0
        let scale = peak == 0 ? 0 : Double(height - top - bottom) / Double(peak)
        let slot = Double(width) / Double(max(1, values.count))
        let barWidth = max(1, slot - (slot > 3 ? 1 : 0))
        let baseline = height - bottom
        let span = activity.range == .week ? "the last 7 days, by hour" : "the last 2 hours, by minute"
        let total = values.reduce(0, +)
        let id = "chart-\(kind.rawValue)"
        var out = """
            <svg class="chart" id="\(id)" role="img" aria-labelledby="\(id)-title" viewBox="0 0 \(width) \(height)" \
            preserveAspectRatio="none" data-kind="\(kind.rawValue)" data-bars="\(values.count)">\
            <title id="\(id)-title">\(label(kind)): \(total) in \(span); at most \(peak) in one \
            \(activity.range == .week ? "hour" : "minute")</title>
            """
        for (i, bucket) in activity.buckets.enumerated() {
            let value = values[i]
            let h = Double(value) * scale
            let x = Double(i) * slot
            out += """
                <rect class="bar" x="\(format(x))" y="\(format(Double(baseline) - h))" width="\(format(barWidth))" \
                height="\(format(h))"><title>\(bucketLabel(bucket.start, range: activity.range)): \(value) \
                \(label(kind).lowercased())</title></rect>
                """
        }
        out += "<line class=\"axis\" x1=\"0\" y1=\"\(baseline)\" x2=\"\(width)\" y2=\"\(baseline)\"/></svg>"
        return out
    }

    static func format(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The table view: every bucket with any activity, newest first.
    static func rows(_ activity: Activity) -> [ActivitySection.Row] {
        activity.buckets.reversed().compactMap { bucket in
            guard bucket.counts.values.contains(where: { $0 > 0 }) else { return nil }
            return ActivitySection.Row(
                bucket: bucketLabel(bucket.start, range: activity.range),
                counts: ActivityKind.allCases.map { .init(n: bucket.counts[$0] ?? 0) })
        }
    }

    /// An activity section: charts, table, totals and the range switch.
    static func section(_ activity: Activity, link: String) -> ActivitySection {
        let table = rows(activity)
        return ActivitySection(
            charts: charts(activity), rows: table, hasRows: !table.isEmpty,
            kinds: ActivityKind.allCases.map { .init(label: label($0)) }, week: activity.range == .week,
            rangeLabel: activity.range == .week ? "last 7 days" : "last 2 hours", weekLink: link + "?range=7d",
            hoursLink: link + "?range=2h", pending: activity.pending, held: activity.held)
    }
}

/// What `activity.mustache` reads: the Overview's and a provider page's activity.
struct ActivitySection: Sendable {
    struct Chart: Sendable {
        var kind, label: String
        var total, peak: Int
        var first, last, svg: String
    }
    struct Row: Sendable {
        struct Count: Sendable { var n: Int }
        var bucket: String
        var counts: [Count]
    }
    struct Kind: Sendable { var label: String }
    var charts: [Chart]
    var rows: [Row]
    var hasRows: Bool
    var kinds: [Kind]
    var week: Bool
    var rangeLabel, weekLink, hoursLink: String
    var pending, held: Int
}
