//! A Postman collection (format v2.1.0) generated from the OpenAPI description: one folder per
//! tag, one request per operation, and OAuth 2.0 client credentials set up on the collection,
//! so that importing it and filling `clientId` and `clientSecret` is enough.

use serde_json::{Map, Value, json};

const SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn string_var(key: &str, value: &str, description: &str) -> Value {
    json!({"key": key, "value": value, "type": "string", "description": description})
}

fn auth_pair(key: &str, value: &str) -> Value {
    json!({"key": key, "value": value, "type": "string"})
}

/// The collection's own authorization: tokens from `/oauth/token` with the collection's
/// client credentials, sent as a Bearer header.
fn oauth2_auth() -> Value {
    json!({
        "type": "oauth2",
        "oauth2": [
            auth_pair("grant_type", "client_credentials"),
            auth_pair("accessTokenUrl", "{{baseUrl}}/oauth/token"),
            auth_pair("clientId", "{{clientId}}"),
            auth_pair("clientSecret", "{{clientSecret}}"),
            auth_pair("client_authentication", "header"),
            auth_pair("addTokenTo", "header"),
            auth_pair("tokenName", "Portcullis access token"),
        ]
    })
}

/// The OAuth endpoints authenticate the client itself (HTTP Basic) or nobody.
fn item_auth(path: &str) -> Option<Value> {
    if path.starts_with("/oauth/") {
        Some(json!({
            "type": "basic",
            "basic": [auth_pair("username", "{{clientId}}"), auth_pair("password", "{{clientSecret}}")]
        }))
    } else if path.starts_with("/.well-known/") {
        Some(json!({"type": "noauth"}))
    } else {
        None
    }
}

/// `{{baseUrl}}/api/v1/api-clients/:id`, with `id` as a path variable.
fn url(path: &str) -> Value {
    let mut segments = Vec::new();
    let mut variables = Vec::new();
    for segment in path.trim_start_matches('/').split('/') {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                segments.push(format!(":{name}"));
                variables
                    .push(json!({"key": name, "value": "", "description": format!("The {name}")}));
            }
            None => segments.push(segment.to_string()),
        }
    }
    let raw = format!("{{{{baseUrl}}}}/{}", segments.join("/"));
    let mut url = json!({"raw": raw, "host": ["{{baseUrl}}"], "path": segments});
    if !variables.is_empty() {
        url["variable"] = Value::Array(variables);
    }
    url
}

/// The request body: the schema's example as JSON, or the form's fields.
fn body(operation: &Value, doc: &Value, path: &str) -> Option<Value> {
    let content = operation.pointer("/requestBody/content")?.as_object()?;
    if let Some(json_body) = content.get("application/json") {
        let example = json_body
            .pointer("/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/"))
            .and_then(|r| doc.pointer(&format!("/{r}/example")))
            .cloned()
            .unwrap_or_else(|| json!({}));
        let raw = serde_json::to_string_pretty(&example).unwrap_or_default();
        return Some(json!({"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}));
    }
    if content.contains_key("application/x-www-form-urlencoded") {
        let fields = if path == "/oauth/token" {
            vec![json!({"key": "grant_type", "value": "client_credentials", "type": "text"})]
        } else {
            vec![
                json!({"key": "token", "value": "", "type": "text", "description": "The token to ask about"}),
            ]
        };
        return Some(json!({"mode": "urlencoded", "urlencoded": fields}));
    }
    None
}

fn request_item(doc: &Value, path: &str, method: &str, operation: &Value) -> Value {
    let name = operation
        .get("summary")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
    let mut headers = vec![json!({"key": "Accept", "value": "application/json"})];
    let body = body(operation, doc, path);
    if let Some(body) = &body {
        let content_type = if body["mode"] == "raw" {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        headers.push(json!({"key": "Content-Type", "value": content_type}));
    }
    let mut request = json!({
        "method": method.to_uppercase(),
        "header": headers,
        "url": url(path),
    });
    if let Some(description) = operation.get("description").and_then(Value::as_str) {
        request["description"] = json!(description);
    }
    if let Some(body) = body {
        request["body"] = body;
    }
    if let Some(auth) = item_auth(path) {
        request["auth"] = auth;
    }
    json!({"name": name, "request": request, "response": []})
}

/// The collection for the description `doc` (as JSON), its `baseUrl` set to `base_url`.
pub fn collection(doc: &Value, base_url: &str) -> Value {
    let mut folders: Vec<(String, Vec<Value>)> = Vec::new();
    let tag_order: Vec<String> = doc["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for tag in &tag_order {
        folders.push((tag.clone(), Vec::new()));
    }
    let empty = Map::new();
    for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let tag = operation["tags"][0].as_str().unwrap_or("Other").to_string();
            let entry = request_item(doc, path, method, operation);
            match folders.iter_mut().find(|(name, _)| *name == tag) {
                Some((_, items)) => items.push(entry),
                None => folders.push((tag, vec![entry])),
            }
        }
    }
    let items: Vec<Value> = folders
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(name, items)| json!({"name": name, "item": items}))
        .collect();
    json!({
        "info": {
            "name": doc["info"]["title"].as_str().unwrap_or("Portcullis API"),
            "description": "Generated from the OpenAPI description at {{baseUrl}}/openapi.json. \
                Fill in the collection variables clientId and clientSecret (an API Client's \
                credentials); every request then gets its token through OAuth 2.0 client \
                credentials.",
            "schema": SCHEMA,
            "version": doc["info"]["version"].as_str().unwrap_or_default(),
        },
        "item": items,
        "auth": oauth2_auth(),
        "variable": [
            string_var("baseUrl", base_url, "This Portcullis instance"),
            string_var("clientId", "", "Your API Client's Client ID (pci_…)"),
            string_var("clientSecret", "", "Your API Client's Client Secret (pcs_…)"),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_postman_urls_with_variables() {
        let u = url("/api/v1/api-clients/{id}");
        assert_eq!(u["raw"], "{{baseUrl}}/api/v1/api-clients/:id");
        assert_eq!(u["path"], json!(["api", "v1", "api-clients", ":id"]));
        assert_eq!(u["variable"][0]["key"], "id");
        assert!(url("/oauth/token").get("variable").is_none());
    }

    #[test]
    fn operations_are_grouped_by_tag_with_bodies() {
        let doc = json!({
            "info": {"title": "T", "version": "1"},
            "tags": [{"name": "A"}],
            "paths": {
                "/x": {"post": {"tags": ["A"], "summary": "Make x",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}},
                "/oauth/token": {"post": {"tags": ["B"], "summary": "Token",
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {}}}}}
            },
            "components": {"schemas": {"X": {"example": {"name": "n"}}}}
        });
        let c = collection(&doc, "http://h");
        assert_eq!(c["item"][0]["name"], "A");
        let make = &c["item"][0]["item"][0];
        assert_eq!(make["name"], "Make x");
        assert_eq!(make["request"]["body"]["mode"], "raw");
        assert!(
            make["request"]["body"]["raw"]
                .as_str()
                .unwrap()
                .contains("\"name\"")
        );
        let token = &c["item"][1]["item"][0];
        assert_eq!(token["request"]["auth"]["type"], "basic");
        assert_eq!(
            token["request"]["body"]["urlencoded"][0]["value"],
            "client_credentials"
        );
        assert_eq!(c["variable"][0]["value"], "http://h");
    }
}
