#pragma once

#include <string>
#include <string_view>

namespace cruddur::http {

/// The admin dashboard `/admin/metrics` as one self-contained HTML page, rendered on the server
/// from the JSON of GET /api/admin/metrics: the two totals, then per series (messages,
/// conversations, new users, new posts) a bar chart in inline SVG with each bar's number written
/// on it, and a table of every number. No script, no external resource. Every number is also in
/// an element with `data-metric` / `data-day` attributes, so a test can read the page back.
/// Throws cruddur::Error("internal") when `dashboard_json` is not in that shape.
std::string render_metrics_page(std::string_view dashboard_json);

}  // namespace cruddur::http
