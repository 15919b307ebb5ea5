//! The browser bundle as a browser receives it: `/pkg/portcullis.wasm` from a running server,
//! asked plainly, with `Accept-Encoding: gzip` and with `br`. PRODUCT.md §7 bounds the gzip
//! size; the bench fails above it.

/// PRODUCT.md §7: the WASM at most 250 KB gzip (kilobytes of 1,000 bytes).
pub const LIMIT_GZIP_BYTES: usize = 250_000;

const WASM: &str = "/pkg/portcullis.wasm";

pub struct Bundle {
    pub plain: usize,
    pub gzip: usize,
    pub brotli: usize,
}

impl Bundle {
    pub fn within_limit(&self) -> bool {
        self.gzip <= LIMIT_GZIP_BYTES
    }
}

/// The bytes of the WASM as served with `encoding` (`None`: asked without one). The answer
/// must say it used that encoding, so a server that ignores it is not counted as compressing.
async fn served(base: &str, encoding: Option<&str>) -> Result<usize, String> {
    let http = reqwest::Client::new();
    let mut request = http.get(format!("{base}{WASM}"));
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{WASM}: {}", response.status()));
    }
    let used = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if used.as_deref() != encoding {
        return Err(format!(
            "{WASM} asked with {encoding:?} came with content-encoding {used:?}: is the bundle \
             built with `cargo xtask build --release`?"
        ));
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    Ok(body.len())
}

pub async fn measure(base: &str) -> Result<Bundle, String> {
    Ok(Bundle {
        plain: served(base, None).await?,
        gzip: served(base, Some("gzip")).await?,
        brotli: served(base, Some("br")).await?,
    })
}

pub fn report(bundle: &Bundle) -> String {
    let kb = |bytes: usize| format!("{:.0} KB", bytes as f64 / 1000.0);
    let verdict = if bundle.within_limit() {
        "met"
    } else {
        "**missed**"
    };
    format!(
        "\n## The browser bundle\n\n`{WASM}` as served (release build, `wasm-opt -Oz`, \
         precompressed at build time).\n\n| encoding | size | target |\n| --- | ---: | --- |\n\
         | none | {} | - |\n| gzip | {} | ≤ {} {verdict} |\n| br | {} | - |\n",
        kb(bundle.plain),
        kb(bundle.gzip),
        kb(LIMIT_GZIP_BYTES),
        kb(bundle.brotli),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_on_the_gzip_size() {
        let over = Bundle {
            plain: 200_000,
            gzip: LIMIT_GZIP_BYTES + 1,
            brotli: 100_000,
        };
        assert!(!over.within_limit());
        assert!(report(&over).contains("≤ 250 KB **missed**"));
        let at = Bundle {
            gzip: LIMIT_GZIP_BYTES,
            ..over
        };
        assert!(at.within_limit());
        assert!(report(&at).contains("≤ 250 KB met"));
    }
}
