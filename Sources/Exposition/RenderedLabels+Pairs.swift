extension RenderedLabels {
    /// The (name, unescaped value) pairs of rendered label bytes `name="value",…` (as written by
    /// `RenderedLabels`): the inverse of the rendering, for cold paths that need the labels back
    /// (e.g. matching existing series against new SLO selectors on reload).
    public static func pairs(of bytes: [UInt8]) -> [(name: String, value: String)] {
        bytes.withUnsafeBytes { buf -> [(name: String, value: String)] in
            var out: [(name: String, value: String)] = []
            var i = 0
            while i < buf.count {
                let p = pair(buf, at: i)
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: buf[p.name]), as: UTF8.self)
                var value: [UInt8] = []
                var k = p.name.upperBound + 2              // past `="`
                let end = p.whole.upperBound - 1            // the closing quote
                while k < end {
                    var c = buf[k]
                    if c == UInt8(ascii: "\\"), k + 1 < end {
                        k += 1
                        c = buf[k] == UInt8(ascii: "n") ? 0x0A : buf[k]
                    }
                    value.append(c)
                    k += 1
                }
                out.append((name, String(decoding: value, as: UTF8.self)))
                i = p.next
            }
            return out
        }
    }
}
