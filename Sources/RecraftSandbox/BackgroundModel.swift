// The emulated background removal: the background is taken to be a smooth colour field
// (flat, or a gradient as on the bundled sample), fitted to the border, and what matches
// it becomes transparent, with a soft edge. Still an emulation, not Recraft's model: it
// only has to give a believable cutout on studio-like images.

/// A bilinear colour field `a + b·u + c·v + d·u·v` per channel (u, v in 0...1), fitted
/// by least squares to the border pixels that agree with it.
struct BackgroundModel: Sendable {
    /// Per channel (r, g, b): the four coefficients.
    var coefficients: [[Double]]

    func colour(u: Double, v: Double) -> (Double, Double, Double) {
        func channel(_ c: Int) -> Double {
            let k = coefficients[c]
            return k[0] + k[1] * u + k[2] * v + k[3] * u * v
        }
        return (channel(0), channel(1), channel(2))
    }

    /// Fits the border of `image`, dropping border pixels far from the fit (a shape that
    /// touches the edge) and fitting again. nil when fewer than half of the border pixels
    /// agree with any smooth field (a textured background: the caller falls back).
    static func fit(_ image: RGBAImage, inlierDistance: Double = 24) -> BackgroundModel? {
        let w = image.width
        let h = image.height
        guard w >= 2, h >= 2 else { return nil }
        var border: [(x: Int, y: Int)] = []
        for x in 0..<w { border += [(x, 0), (x, h - 1)] }
        for y in 1..<(h - 1) { border += [(0, y), (w - 1, y)] }
        // Refit with a tightening threshold: the first fit is pulled by the shapes on the
        // edge, so only far outliers go first.
        var inliers = border
        var model: BackgroundModel?
        for threshold in [96, 64, 40, inlierDistance, inlierDistance] {
            guard let fitted = solve(image, at: inliers) else { return nil }
            model = fitted
            let kept = border.filter { fitted.distance(image, x: $0.x, y: $0.y) <= threshold }
            guard kept.count >= 4 else { return nil }
            inliers = kept
        }
        guard inliers.count * 2 >= border.count else { return nil }
        return model
    }

    /// Euclidean RGB distance between the pixel and the field at its place.
    func distance(_ image: RGBAImage, x: Int, y: Int) -> Double {
        let u = image.width > 1 ? Double(x) / Double(image.width - 1) : 0
        let v = image.height > 1 ? Double(y) / Double(image.height - 1) : 0
        let (r, g, b) = colour(u: u, v: v)
        let o = (y * image.width + x) * 4
        let dr = Double(image.pixels[o]) - r
        let dg = Double(image.pixels[o + 1]) - g
        let db = Double(image.pixels[o + 2]) - b
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    /// Least squares over `points` (normal equations, 4×4, Gaussian elimination).
    private static func solve(_ image: RGBAImage, at points: [(x: Int, y: Int)]) -> BackgroundModel? {
        guard points.count >= 4 else { return nil }
        var normal = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        var rhs = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 3)
        for point in points {
            let u = Double(point.x) / Double(image.width - 1)
            let v = Double(point.y) / Double(image.height - 1)
            let terms = [1, u, v, u * v]
            let o = (point.y * image.width + point.x) * 4
            for i in 0..<4 {
                for j in 0..<4 { normal[i][j] += terms[i] * terms[j] }
                for c in 0..<3 { rhs[c][i] += terms[i] * Double(image.pixels[o + c]) }
            }
        }
        var coefficients: [[Double]] = []
        for c in 0..<3 {
            guard let solved = gauss(normal, rhs[c]) else { return nil }
            coefficients.append(solved)
        }
        return BackgroundModel(coefficients: coefficients)
    }

    private static func gauss(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        var a = matrix
        var b = vector
        let n = b.count
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-9 else {
                return nil
            }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in 0..<n where row != column {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        return (0..<n).map { b[$0] / a[$0][$0] }
    }
}

extension ImageOps {
    /// Pixels within `clear` of the fitted background become transparent, those beyond
    /// `opaque` stay as they are, and those between fade (a soft, anti-aliased edge). A
    /// background no smooth field fits falls back to the flood fill from the border.
    static func removeSmoothBackground(_ image: RGBAImage, clear: Double = 28, opaque: Double = 60) -> RGBAImage {
        guard let model = BackgroundModel.fit(image) else { return removeBackground(image) }
        var out = image.pixels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let distance = model.distance(image, x: x, y: y)
                let o = (y * image.width + x) * 4 + 3
                let keep = distance <= clear ? 0 : distance >= opaque ? 1 : (distance - clear) / (opaque - clear)
                out[o] = UInt8(clamping: Int((Double(image.pixels[o]) * keep).rounded()))
            }
        }
        return RGBAImage(width: image.width, height: image.height, pixels: out)
    }
}
