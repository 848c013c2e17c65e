// The image work behind each operation. These are emulations, not Recraft's models:
// an upscale is a bilinear resize (plus a mild sharpen for the "creative" kind) and a
// background removal is a flood fill from the border. What matters to a client is that
// the result is a real, decodable image of the right size and kind.

enum ImageOps {
    /// The largest output any upscale produces before the factor is lowered (16 MP).
    static let maxOutputPixels = 4096 * 4096

    /// The factor an upscale really applies: the requested one, lowered while the output
    /// would exceed 16 MP, but never below 2×.
    static func effectiveScale(width: Int, height: Int, requested: Int) -> Int {
        var factor = max(requested, 2)
        while factor > 2, width * factor * height * factor > maxOutputPixels { factor -= 1 }
        return factor
    }

    /// Bilinear resize to `width`×`height`, sampling pixel centres.
    static func resize(_ source: RGBAImage, width: Int, height: Int) -> RGBAImage {
        guard width > 0, height > 0, source.width > 0, source.height > 0 else { return source }
        let sw = source.width
        let sh = source.height
        // Per column: left sample, right sample and the weight of the right one (0...256).
        var xs0 = [Int](repeating: 0, count: width)
        var xs1 = xs0
        var xw = xs0
        for x in 0..<width {
            let fx = max(0, (Double(x) + 0.5) * Double(sw) / Double(width) - 0.5)
            let x0 = min(Int(fx), sw - 1)
            xs0[x] = x0 * 4
            xs1[x] = min(x0 + 1, sw - 1) * 4
            xw[x] = Int((fx - Double(x0)) * 256)
        }
        var out = [UInt8](repeating: 0, count: width * height * 4)
        source.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let fy = max(0, (Double(y) + 0.5) * Double(sh) / Double(height) - 0.5)
                    let y0 = min(Int(fy), sh - 1)
                    let y1 = min(y0 + 1, sh - 1)
                    let wy = Int((fy - Double(y0)) * 256)
                    let row0 = y0 * sw * 4
                    let row1 = y1 * sw * 4
                    var o = y * width * 4
                    for x in 0..<width {
                        let a = row0 + xs0[x]
                        let b = row0 + xs1[x]
                        let c = row1 + xs0[x]
                        let d = row1 + xs1[x]
                        let wx = xw[x]
                        for channel in 0..<4 {
                            let top = Int(src[a + channel]) * (256 - wx) + Int(src[b + channel]) * wx
                            let bottom = Int(src[c + channel]) * (256 - wx) + Int(src[d + channel]) * wx
                            dst[o + channel] = UInt8(clamping: (top * (256 - wy) + bottom * wy + 32_768) >> 16)
                        }
                        o += 4
                    }
                }
            }
        }
        return RGBAImage(width: width, height: height, pixels: out)
    }

    /// A mild unsharp mask (3×3 box blur, amount 0.5) on the colour channels.
    static func sharpen(_ image: RGBAImage) -> RGBAImage {
        let w = image.width
        let h = image.height
        guard w >= 3, h >= 3 else { return image }
        var out = image.pixels
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 1..<(h - 1) {
                    for x in 1..<(w - 1) {
                        let centre = (y * w + x) * 4
                        for channel in 0..<3 {
                            var sum = 0
                            for dy in -1...1 {
                                let row = ((y + dy) * w + x) * 4 + channel
                                sum += Int(src[row - 4]) + Int(src[row]) + Int(src[row + 4])
                            }
                            let value = Int(src[centre + channel])
                            dst[centre + channel] = UInt8(clamping: value + (value * 9 - sum) / 18)
                        }
                    }
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    /// Emulated background removal: takes the median colour of the border as the
    /// background, flood-fills from every border pixel over pixels close to it, and makes
    /// what was filled transparent. Works on flat or studio-like backgrounds, which is
    /// all an emulator needs.
    static func removeBackground(_ image: RGBAImage, tolerance: Int = 48) -> RGBAImage {
        let w = image.width
        let h = image.height
        guard w > 0, h > 0 else { return image }
        var border = [Int]()
        for x in 0..<w {
            border.append(x)
            border.append((h - 1) * w + x)
        }
        for y in 0..<h {
            border.append(y * w)
            border.append(y * w + w - 1)
        }
        let background = medianColour(of: image, at: border)
        let limit = tolerance * tolerance

        var out = image.pixels
        // A pixel is marked when pushed, so each enters the stack at most once: the stack
        // never outgrows the image, whatever its content.
        var visited = [Bool](repeating: false, count: w * h)
        var stack = [Int32]()
        stack.reserveCapacity(min(w * h, 1 << 20))
        out.withUnsafeMutableBufferPointer { px in
            func isBackground(_ index: Int) -> Bool {
                let o = index * 4
                if px[o + 3] < 16 { return true }  // already transparent
                let dr = Int(px[o]) - background.0
                let dg = Int(px[o + 1]) - background.1
                let db = Int(px[o + 2]) - background.2
                return dr * dr + dg * dg + db * db <= limit
            }
            func visit(_ index: Int) {
                guard !visited[index] else { return }
                visited[index] = true
                if isBackground(index) { stack.append(Int32(index)) }
            }
            border.forEach(visit)
            while let popped = stack.popLast() {
                let index = Int(popped)
                px[index * 4 + 3] = 0
                let x = index % w
                if x > 0 { visit(index - 1) }
                if x < w - 1 { visit(index + 1) }
                if index >= w { visit(index - w) }
                if index + w < w * h { visit(index + w) }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    private static func medianColour(of image: RGBAImage, at indices: [Int]) -> (Int, Int, Int) {
        func median(_ channel: Int) -> Int {
            let values = indices.map { image.pixels[$0 * 4 + channel] }.sorted()
            return values.isEmpty ? 255 : Int(values[values.count / 2])
        }
        return (median(0), median(1), median(2))
    }
}
