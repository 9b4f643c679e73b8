// Amounts of AITBC: unsigned 64-bit counts of micro-AITBC (1 AITBC = 1,000,000 uaitbc).
//
// Contract: every operation that could overflow or underflow is checked and returns an error
// instead of a wrong number. Parsing accepts "0.25aitbc", "0.25 AITBC", "0.25" (AITBC) and
// "250000uaitbc"; anything else (negative, more than 6 decimals, junk, overflow) is an error.
// Formatting gives "0.25 AITBC" (trailing zeros trimmed, at least one integer digit).
// The exact grammar is in docs/encoding.md. All errors are kInvalidArgument with a message
// ("overflows", "underflows", "more than 6 decimal places", ...); callers that compare against
// a balance report kInsufficientFunds themselves. Thread-safe (values, no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace aitbc::core {

class Amount {
 public:
  static constexpr uint64_t kMicroPerCoin = 1'000'000;

  constexpr Amount() = default;
  static constexpr Amount FromMicro(uint64_t micro) { return Amount(micro); }
  // Whole coins; fails when coins * 1,000,000 overflows.
  static Result<Amount> FromCoins(uint64_t coins);
  static Result<Amount> Parse(std::string_view text);

  constexpr uint64_t micro() const { return micro_; }
  Result<Amount> Add(Amount other) const;
  Result<Amount> Sub(Amount other) const;  // error when other > this
  Result<Amount> Mul(uint64_t factor) const;
  // this * numerator / denominator, rounded down, without intermediate overflow (128-bit).
  Result<Amount> MulDiv(uint64_t numerator, uint64_t denominator) const;

  // "0.25 AITBC".
  std::string ToString() const;
  // "0.25" — the decimal number without the unit, as JSON APIs show it next to "_uaitbc" fields.
  std::string ToDecimal() const;

  constexpr auto operator<=>(const Amount&) const = default;

 private:
  constexpr explicit Amount(uint64_t micro) : micro_(micro) {}
  uint64_t micro_ = 0;
};

// Checked uint64 helpers for code that works on raw integers.
Result<uint64_t> CheckedAdd(uint64_t a, uint64_t b);
Result<uint64_t> CheckedSub(uint64_t a, uint64_t b);
Result<uint64_t> CheckedMul(uint64_t a, uint64_t b);

}  // namespace aitbc::core
