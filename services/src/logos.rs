//! API Client logos (PRODUCT.md §10): an upload is checked from its bytes (size, format,
//! dimensions read from the header before any pixel is decoded), decoded with the `image` crate
//! under memory limits and encoded again, so what is stored and served is pixels only: no
//! metadata, no trailing bytes, nothing a browser could take for another type.

use crate::audit::{Changes, Target, event};
use crate::credentials::API_CLIENT;
use crate::principal::{ClientManager, CredentialViewer};
use crate::{ServiceError, Services};
use domain::CredentialId;
use domain::FieldError;
use domain::audit::AuditAction;
use domain::credentials::{LogoFormat, MAX_LOGO_SIDE, check_logo_file, not_an_image, too_wide};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageFormat, ImageReader};
use std::io::Cursor;

/// A logo ready to store: re-encoded bytes and their format.
#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    pub format: LogoFormat,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// JPEG quality of the re-encoded file: visually lossless for a logo.
const JPEG_QUALITY: u8 = 90;

fn image_format(format: LogoFormat) -> ImageFormat {
    match format {
        LogoFormat::Png => ImageFormat::Png,
        LogoFormat::Jpeg => ImageFormat::Jpeg,
    }
}

impl Logo {
    /// Checks an uploaded file and re-encodes it. CPU-bound (a few milliseconds for the
    /// largest logo): call it off the async workers, as `Services::set_api_client_logo` does.
    pub fn from_upload(bytes: &[u8]) -> Result<Logo, FieldError> {
        let format = check_logo_file(bytes)?;
        let reader = || ImageReader::with_format(Cursor::new(bytes), image_format(format));
        // The header first: a 4000×10 (or 60000×60000) image is refused before decoding.
        let (width, height) = reader().into_dimensions().map_err(|_| not_an_image())?;
        if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
            return Err(too_wide(width, height));
        }
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_LOGO_SIDE);
        limits.max_image_height = Some(MAX_LOGO_SIDE);
        // 1024 × 1024 × 4 channels × 2 bytes (16-bit PNG), with room for the decoder's own use.
        limits.max_alloc = Some(16 * 1024 * 1024);
        let mut decoder = reader();
        decoder.limits(limits);
        let image = decoder.decode().map_err(|_| not_an_image())?;
        Ok(Logo {
            format,
            bytes: encode(&image, format).map_err(|_| not_an_image())?,
        })
    }
}

fn encode(image: &DynamicImage, format: LogoFormat) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        LogoFormat::Png => image.write_with_encoder(PngEncoder::new(&mut out))?,
        // JPEG has no alpha channel; what decoded from a JPEG has none either, but a CMYK or
        // 16-bit source is brought to 8-bit RGB first.
        LogoFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))?,
    }
    Ok(out)
}

impl Services {
    /// **Upload logo**: replaces the API Client's logo (an `api_client.updated` event with the
    /// field `logo`). A refused file changes nothing.
    pub async fn set_api_client_logo(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        upload: Vec<u8>,
        now: i64,
    ) -> Result<(), ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.org(), CredentialId::new(id))
            .await?;
        let logo = tokio::task::spawn_blocking(move || Logo::from_upload(&upload))
            .await
            .map_err(|err| ServiceError::Internal(Box::new(err)))??;
        self.write_logo(manager, &current, Some(&logo), now).await
    }

    /// **Remove logo**. Removing a logo that is not there changes nothing and succeeds.
    pub async fn remove_api_client_logo(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.org(), CredentialId::new(id))
            .await?;
        if current.logo_updated_at.is_none() {
            return Ok(());
        }
        self.write_logo(manager, &current, None, now).await
    }

    async fn write_logo(
        &self,
        manager: ClientManager<'_>,
        current: &store::ApiClientRecord,
        logo: Option<&Logo>,
        now: i64,
    ) -> Result<(), ServiceError> {
        let change = match logo {
            Some(logo) => format!(
                "{} ({} bytes)",
                logo.format.content_type(),
                logo.bytes.len()
            ),
            None => "removed".to_string(),
        };
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::ApiClientUpdated,
            Target {
                kind: API_CLIENT,
                id: &current.id,
                name: &current.name,
            },
            Changes::new().set("logo", &change),
            now,
        );
        self.store()
            .set_api_client_logo(
                manager.org(),
                CredentialId::new(&current.id),
                logo.map(|l| (l.format.content_type(), l.bytes.as_slice())),
                now,
                &audit,
            )
            .await?;
        tracing::info!(
            credential_id = current.id,
            org_id = manager.organization_id(),
            logo = logo.is_some(),
            "API Client logo changed"
        );
        Ok(())
    }

    /// The stored logo, for a member who may see the organization's credentials.
    pub async fn api_client_logo(
        &self,
        viewer: CredentialViewer<'_>,
        id: &str,
    ) -> Result<Logo, ServiceError> {
        let (content_type, bytes) = self
            .store()
            .api_client_logo(viewer.org(), CredentialId::new(id))
            .await?;
        let format = LogoFormat::from_content_type(&content_type).ok_or(ServiceError::NotFound)?;
        Ok(Logo { format, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_pixel(width, height, Rgba([10, 20, 30, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(image)
            .write_with_encoder(PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_pixel(width, height, Rgb([200, 10, 10]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_with_encoder(JpegEncoder::new(&mut out))
            .unwrap();
        out
    }

    #[test]
    fn a_png_and_a_jpeg_pass_and_are_encoded_again() {
        let logo = Logo::from_upload(&png(64, 32)).unwrap();
        assert_eq!(logo.format, LogoFormat::Png);
        let back = image::load_from_memory(&logo.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (64, 32));
        let logo = Logo::from_upload(&jpeg(1024, 1024)).unwrap();
        assert_eq!(logo.format, LogoFormat::Jpeg);
        assert_eq!(LogoFormat::sniff(&logo.bytes), Some(LogoFormat::Jpeg));
    }

    #[test]
    fn trailing_bytes_do_not_survive() {
        let mut file = png(8, 8);
        file.extend_from_slice(b"<script>alert(1)</script>");
        let logo = Logo::from_upload(&file).unwrap();
        assert!(!logo.bytes.windows(8).any(|w| w == b"<script>"));
    }

    #[test]
    fn too_wide_too_tall_and_broken_files_are_refused() {
        let err = Logo::from_upload(&png(4000, 10)).unwrap_err();
        assert_eq!(err.field, "logo");
        assert!(err.message.contains("4000×10"), "{}", err.message);
        assert!(Logo::from_upload(&png(10, 1025)).is_err());
        let mut truncated = png(100, 100);
        truncated.truncate(60);
        assert_eq!(Logo::from_upload(&truncated).unwrap_err(), not_an_image());
        assert_eq!(
            Logo::from_upload(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap_err(),
            not_an_image()
        );
    }
}
