//! The file `document/download` answers: a small, valid PDF per contract document (one page per
//! page of the document, up to three, saying which document it stands for), so a client can save
//! it and a PDF viewer can show it. Deterministic for a document id.

/// How many pages a simulated document renders at most (the rest of a long contract is left out).
const MAX_PAGES: i64 = 3;

/// The PDF of document `id` with `pages` pages (1..=3 rendered).
pub fn document(id: &str, pages: i64) -> Vec<u8> {
    let pages = pages.clamp(1, MAX_PAGES) as usize;
    // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for i in 0..pages {
        let text = format!(
            "BT /F1 20 Tf 72 760 Td ({}) Tj 0 -32 Td /F1 12 Tf ({}) Tj 0 -18 Td ({}) Tj ET",
            escape("Qiyuesuo simulator - contract document"),
            escape(&format!("documentId {id}")),
            escape(&format!("page {} of {pages}", i + 1))
        );
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>", 5 + 2 * i));
        objects.push(format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// A PDF literal string's text: ASCII only (the base font has no CJK), `\`, `(` and `)` escaped.
fn escape(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii)
        .flat_map(|c| if matches!(c, '\\' | '(' | ')') { vec!['\\', c] } else { vec![c] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(hay: &[u8], needle: &str) -> usize {
        hay.windows(needle.len()).rposition(|w| w == needle.as_bytes()).unwrap()
    }

    #[test]
    fn a_document_is_a_pdf_whose_cross_reference_table_points_at_its_objects() {
        let pdf = document("2591540368904396799", 9);
        assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
        let at = find(&pdf, "startxref\n") + "startxref\n".len();
        let xref: usize = std::str::from_utf8(&pdf[at..]).unwrap().lines().next().unwrap().parse().unwrap();
        let table = std::str::from_utf8(&pdf[xref..]).unwrap();
        assert!(table.starts_with("xref\n0 10\n"), "3 pages: catalog, tree, font and 2 objects a page");
        for (n, line) in table.lines().skip(3).take(9).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()), "object {}", n + 1);
            assert_eq!(line.len() + 1, 20, "each entry is 20 bytes");
        }
        assert_eq!(document("1", 1), document("1", 1));
        assert_eq!(escape("a(b)\\c 合同"), "a\\(b\\)\\\\c ");
    }
}
