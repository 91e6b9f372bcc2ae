//! One folder per vendor, each split the same way: `wire` (serde types mirroring the vendor's
//! document), `auth` (credentials, signing), `client` (HTTP calls), `map` (wire → model). This
//! module is the registry that turns an account into its connector.

pub mod de;
pub mod fxiaoke;
pub mod qiyuesuo;
pub mod weiwenjia;
pub mod yomicloud;
pub mod zeyi;

use crate::connector::{Connector, VendorInfo};
use crate::error::VendorError;
use crate::model::Vendor;
use crate::secrets::Secrets;
use crate::store::Account;
use std::sync::Arc;

/// What every vendor offers, for the UI's account form and capability checks.
pub fn vendor_infos() -> Vec<VendorInfo> {
    Vendor::ALL.iter().map(|v| vendor_info(*v)).collect()
}

pub fn vendor_info(vendor: Vendor) -> VendorInfo {
    match vendor {
        Vendor::Yomicloud => yomicloud::info(),
        Vendor::Zeyi => zeyi::info(),
        Vendor::Fxiaoke => fxiaoke::info(),
        Vendor::Qiyuesuo => qiyuesuo::info(),
        Vendor::Weiwenjia => weiwenjia::info(),
    }
}

/// Builds the connector for a configured account.
pub fn connect(account: &Account, secrets: &Secrets) -> Result<Arc<dyn Connector>, VendorError> {
    match account.vendor {
        Vendor::Yomicloud => Ok(Arc::new(yomicloud::YomiConnector::new(account, secrets)?)),
        Vendor::Zeyi => Ok(Arc::new(zeyi::ZeyiConnector::new(account, secrets)?)),
        Vendor::Fxiaoke => Ok(Arc::new(fxiaoke::FxConnector::new(account, secrets)?)),
        Vendor::Qiyuesuo => Ok(Arc::new(qiyuesuo::QiyuesuoConnector::new(account, secrets)?)),
        Vendor::Weiwenjia => Ok(Arc::new(weiwenjia::WeiwenjiaConnector::new(account, secrets)?)),
    }
}

/// The HTTP client every connector uses: bounded time, our user agent.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("approval-inbox/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("a client with static settings always builds")
}

/// Describes a transport failure without the URL's query (which may hold a token).
pub(crate) fn transport_error(call: &str, e: reqwest::Error) -> VendorError {
    let reason = if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        "connection refused or host unreachable".to_string()
    } else {
        e.without_url().to_string()
    };
    VendorError::Unreachable { call: call.to_string(), reason }
}
