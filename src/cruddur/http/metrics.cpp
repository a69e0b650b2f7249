// Prometheus metrics through prometheus-cpp's registry and text serializer.
#include "cruddur/http/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>

namespace cruddur::http {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("cruddur_http_requests_total")
          .Help("HTTP requests by route pattern, method and status")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("cruddur_http_request_duration_seconds")
          .Help("HTTP request latency by route pattern")
          .Register(*registry);
  struct Values {
    std::string help;
    Source source;
    prometheus::MetricType type;
  };
  std::vector<Values> sources;  // written before serving only

  // The series of every (route, method, status) seen so far: found without allocating, where
  // prometheus-cpp's Family::Add builds a label map on every call. Series live as long as the
  // registry (never removed).
  struct Series {
    prometheus::Counter* requests = nullptr;
    prometheus::Histogram* latency = nullptr;
  };
  using Labels = std::tuple<std::string_view, std::string_view, unsigned>;
  using StoredLabels = std::tuple<std::string, std::string, unsigned>;
  // Orders stored labels and looked-up views alike (lookups allocate nothing).
  struct LabelOrder {
    using is_transparent = void;
    static Labels view(const Labels& labels) { return labels; }
    static Labels view(const StoredLabels& labels) {
      return {std::get<0>(labels), std::get<1>(labels), std::get<2>(labels)};
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<StoredLabels, Series, LabelOrder> series;
  std::shared_mutex series_mutex;

  Series series_of(std::string_view route, std::string_view method, unsigned status) {
    Labels key{route, method, status};
    {
      std::shared_lock lock(series_mutex);
      if (auto found = series.find(key); found != series.end()) return found->second;
    }
    static const prometheus::Histogram::BucketBoundaries kBuckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    std::string route_label(route);
    Series made{&requests.Add({{"route", route_label},
                               {"method", std::string(method)},
                               {"status", std::to_string(status)}}),
                &latency.Add({{"route", route_label}}, kBuckets)};
    std::unique_lock lock(series_mutex);
    series.emplace(StoredLabels{route_label, std::string(method), status}, made);
    return made;
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe(std::string_view route, std::string_view method, unsigned status,
                      std::chrono::duration<double> elapsed) {
  auto series = impl_->series_of(route.empty() ? "unmatched" : route, method, status);
  series.requests->Increment();
  series.latency->Observe(elapsed.count());
}

void Metrics::add_source(std::string help, Source source) {
  impl_->sources.push_back({std::move(help), std::move(source), prometheus::MetricType::Gauge});
}

void Metrics::add_counters(std::string help, Source source) {
  impl_->sources.push_back({std::move(help), std::move(source), prometheus::MetricType::Counter});
}

std::string Metrics::render() const {
  auto families = impl_->registry->Collect();
  for (const auto& values : impl_->sources) {
    for (auto& [name, value] : values.source()) {
      prometheus::ClientMetric metric;
      if (values.type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      families.push_back({std::move(name), values.help, values.type, {std::move(metric)}});
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace cruddur::http
