// Emulated vectorize: quantize to a small palette, then emit one <path> per colour made
// of axis-aligned rectangles (horizontal runs merged with identical runs on the rows
// below). Not a tracer, but a valid SVG of the right size that any XML parser reads.

enum Vectorizer {
    /// At most this many colours survive quantization.
    static let paletteSize = 16

    /// Larger inputs are traced on a grid of at most this many cells per side and scaled
    /// back up by the viewBox, so a noisy photo cannot produce a gigabyte of rectangles.
    static let maxGrid = 512

    static func svg(from original: RGBAImage) -> String {
        var image = original
        let longest = max(original.width, original.height)
        if longest > maxGrid {
            image = ImageOps.resize(
                original, width: max(1, original.width * maxGrid / longest),
                height: max(1, original.height * maxGrid / longest))
        }
        let w = image.width
        let h = image.height
        let (palette, labels) = quantize(image)
        var rectsByColour = [[Rect]](repeating: [], count: palette.count)

        // Runs still open from the previous row, keyed by (start, length, label).
        var open = [RunKey: Rect]()
        for y in 0..<h {
            var next = [RunKey: Rect]()
            var x = 0
            while x < w {
                let label = labels[y * w + x]
                var end = x + 1
                while end < w, labels[y * w + end] == label { end += 1 }
                if label >= 0 {
                    let key = RunKey(start: x, length: end - x, label: label)
                    if var rect = open.removeValue(forKey: key) {
                        rect.height += 1
                        next[key] = rect
                    } else {
                        next[key] = Rect(x: x, y: y, width: end - x, height: 1)
                    }
                }
                x = end
            }
            for (key, rect) in open { rectsByColour[key.label].append(rect) }
            open = next
        }
        for (key, rect) in open { rectsByColour[key.label].append(rect) }

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(original.width)\" height=\"\(original.height)\" "
        out += "viewBox=\"0 0 \(w) \(h)\" preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\">\n"
        for (label, rects) in rectsByColour.enumerated() where !rects.isEmpty {
            let colour = palette[label]
            out += "<path fill=\"\(hex(colour))\""
            if colour.a < 255 { out += " fill-opacity=\"\(String(format3: Double(colour.a) / 255))\"" }
            out += " d=\""
            for rect in rects.sorted(by: { ($0.y, $0.x) < ($1.y, $1.x) }) {
                out += "M\(rect.x) \(rect.y)h\(rect.width)v\(rect.height)h-\(rect.width)z"
            }
            out += "\"/>\n"
        }
        out += "</svg>\n"
        return out
    }

    struct Colour: Hashable { var r, g, b, a: UInt8 }
    private struct Rect { var x, y, width, height: Int }
    private struct RunKey: Hashable { var start, length, label: Int }

    /// Buckets colours to 3 bits per channel, keeps the most frequent buckets as the
    /// palette, and labels each pixel with its nearest palette entry (-1: transparent).
    static func quantize(_ image: RGBAImage) -> (palette: [Colour], labels: [Int]) {
        let count = image.width * image.height
        var histogram = [Int](repeating: 0, count: 512)
        var sums = [(Int, Int, Int, Int)](repeating: (0, 0, 0, 0), count: 512)
        let px = image.pixels
        for i in 0..<count where px[i * 4 + 3] >= 128 {
            let r = Int(px[i * 4])
            let g = Int(px[i * 4 + 1])
            let b = Int(px[i * 4 + 2])
            let bucket = (r >> 5) << 6 | (g >> 5) << 3 | (b >> 5)
            histogram[bucket] += 1
            sums[bucket].0 += r
            sums[bucket].1 += g
            sums[bucket].2 += b
            sums[bucket].3 += Int(px[i * 4 + 3])
        }
        let chosen = histogram.indices.filter { histogram[$0] > 0 }
            .sorted { histogram[$0] > histogram[$1] }
            .prefix(paletteSize)
        let palette = chosen.map { bucket -> Colour in
            let n = histogram[bucket]
            return Colour(
                r: UInt8(sums[bucket].0 / n), g: UInt8(sums[bucket].1 / n),
                b: UInt8(sums[bucket].2 / n), a: UInt8(sums[bucket].3 / n))
        }
        // Nearest palette entry per bucket, so each pixel costs one lookup.
        var nearest = [Int](repeating: -1, count: 512)
        for bucket in 0..<512 where !palette.isEmpty {
            let r = (bucket >> 6) * 32 + 16
            let g = (bucket >> 3 & 7) * 32 + 16
            let b = (bucket & 7) * 32 + 16
            var best = 0
            var bestDistance = Int.max
            for (index, colour) in palette.enumerated() {
                let dr = r - Int(colour.r)
                let dg = g - Int(colour.g)
                let db = b - Int(colour.b)
                let distance = dr * dr + dg * dg + db * db
                if distance < bestDistance { (best, bestDistance) = (index, distance) }
            }
            nearest[bucket] = best
        }
        var labels = [Int](repeating: -1, count: count)
        for i in 0..<count where px[i * 4 + 3] >= 128 {
            let bucket = (Int(px[i * 4]) >> 5) << 6 | (Int(px[i * 4 + 1]) >> 5) << 3 | (Int(px[i * 4 + 2]) >> 5)
            labels[i] = nearest[bucket]
        }
        return (palette, labels)
    }

    private static func hex(_ colour: Colour) -> String {
        let digits = Array("0123456789abcdef")
        var out = "#"
        for value in [colour.r, colour.g, colour.b] {
            out.append(digits[Int(value >> 4)])
            out.append(digits[Int(value & 15)])
        }
        return out
    }
}

extension String {
    /// A number with up to three decimals, without Foundation's locale-dependent formatting.
    fileprivate init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        self = "\(thousandths / 1000).\(String(repeating: "0", count: 3 - String(thousandths % 1000).count))\(thousandths % 1000)"
    }
}
