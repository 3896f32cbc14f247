// ReportText: numbers, durations and times as the report's page writes them. Counts and rates carry
// thousands separators ("20,041", "9,535.7"), milliseconds three decimals, times ISO 8601 UTC. Pure.
#pragma once

#include <cstdint>
#include <string>

namespace urlsweep {

class ReportText {
 public:
  // An integer with a comma every three digits: "-1,234,567".
  static std::string Count(int64_t n);
  // A non-negative rate or ratio with `decimals` decimals and thousands separators: "9,535.7".
  static std::string Decimal(double value, int decimals);
  // part / whole as a percentage with one decimal: "12.3%"; "0%" when whole is 0.
  static std::string Percent(int64_t part, int64_t whole);
  // Milliseconds with three decimals: "12.345".
  static std::string Millis(double ms);
  // Microseconds since the epoch as the writers print timestamps: "2025-11-29T16:25:51.000000Z".
  static std::string Timestamp(int64_t micros);
  // A duration for people: "850 ms", "12.35 s", "4 min 05 s", "3 h 02 min".
  static std::string Duration(double seconds);
  // A histogram edge as a short label: 0.1, 2, 50, 1k, 60k (milliseconds).
  static std::string EdgeLabel(double ms);
};

}  // namespace urlsweep
