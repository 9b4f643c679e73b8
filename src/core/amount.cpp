#include "core/amount.h"

namespace aitbc::core {
namespace {

constexpr size_t kMaxDecimals = 6;
constexpr size_t kMaxEcho = 64;  // longest input quoted back in an error message

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string DescribeChar(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return std::string("character '") + c + "'";
  constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 15];
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  std::string_view tail = s.substr(s.size() - suffix.size());
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (ToLower(tail[i]) != suffix[i]) return false;
  }
  return true;
}

Error ParseError(std::string_view text, const std::string& reason) {
  std::string echo(text.substr(0, kMaxEcho));
  if (text.size() > kMaxEcho) echo += "...";
  return Error::InvalidArgument("invalid amount \"" + echo + "\": " + reason);
}

// A run of decimal digits as a uint64; an empty run or a non-digit is the caller's problem.
Result<uint64_t> ParseDigits(std::string_view digits) {
  uint64_t value = 0;
  for (char c : digits) {
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value)) {
      return Error::InvalidArgument("overflows");
    }
  }
  return value;
}

// Why a number part is malformed, or empty when it is "<digits>[.<1..6 digits>]".
// offset is where number starts in the text the user gave, for error positions.
std::string CheckNumber(std::string_view number, bool integer_only, size_t offset) {
  if (number.empty()) return "missing number";
  if (number.front() == '-') return "negative amounts are not allowed";
  if (number.front() == '+') return "a sign is not allowed";
  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  for (size_t i = 0; i < number.size(); ++i) {
    char c = number[i];
    if (IsDigit(c) || (c == '.' && i == dot)) continue;
    return "unexpected " + DescribeChar(c) + " at position " + std::to_string(offset + i);
  }
  if (dot == std::string_view::npos) return "";
  if (integer_only) return "uaitbc amounts must be whole numbers";
  if (whole.empty()) return "a digit is required before the decimal point";
  size_t decimals = number.size() - dot - 1;
  if (decimals == 0) return "a digit is required after the decimal point";
  if (decimals > kMaxDecimals) return "more than 6 decimal places (1 uaitbc = 0.000001 AITBC)";
  return "";
}

Result<uint64_t> ParseCoins(std::string_view number) {
  size_t dot = number.find('.');
  AITBC_ASSIGN_OR_RETURN(uint64_t whole, ParseDigits(number.substr(0, dot)));
  uint64_t fraction = 0;
  if (dot != std::string_view::npos) {
    std::string padded(number.substr(dot + 1));
    padded.resize(kMaxDecimals, '0');
    AITBC_ASSIGN_OR_RETURN(fraction, ParseDigits(padded));
  }
  AITBC_ASSIGN_OR_RETURN(uint64_t micro, CheckedMul(whole, Amount::kMicroPerCoin));
  return CheckedAdd(micro, fraction);
}

}  // namespace

Result<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return Error::InvalidArgument(std::to_string(a) + " + " + std::to_string(b) + " overflows");
  }
  return out;
}

Result<uint64_t> CheckedSub(uint64_t a, uint64_t b) {
  if (b > a) {
    return Error::InvalidArgument(std::to_string(a) + " - " + std::to_string(b) + " underflows");
  }
  return a - b;
}

Result<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t out;
  if (__builtin_mul_overflow(a, b, &out)) {
    return Error::InvalidArgument(std::to_string(a) + " * " + std::to_string(b) + " overflows");
  }
  return out;
}

Result<Amount> Amount::FromCoins(uint64_t coins) {
  auto micro = CheckedMul(coins, kMicroPerCoin);
  if (!micro.ok()) {
    return Error::InvalidArgument("amount of " + std::to_string(coins) + " AITBC overflows");
  }
  return Amount(*micro);
}

Result<Amount> Amount::Parse(std::string_view text) {
  std::string_view body = Trim(text);
  if (body.empty()) return ParseError(text, "empty");
  const size_t offset = static_cast<size_t>(body.data() - text.data());
  bool micro_unit = false;
  bool has_unit = true;
  if (EndsWithIgnoreCase(body, "uaitbc")) {
    micro_unit = true;
    body.remove_suffix(6);
  } else if (EndsWithIgnoreCase(body, "aitbc")) {
    body.remove_suffix(5);
  } else {
    has_unit = false;
  }
  // One space may separate the number from its unit.
  if (has_unit && !body.empty() && body.back() == ' ') body.remove_suffix(1);
  std::string problem = CheckNumber(body, micro_unit, offset);
  if (!problem.empty()) return ParseError(text, problem);
  auto micro = micro_unit ? ParseDigits(body) : ParseCoins(body);
  if (!micro.ok()) {
    return ParseError(text, "overflows (the largest amount is 18446744073709.551615 AITBC)");
  }
  return Amount(*micro);
}

Result<Amount> Amount::Add(Amount other) const {
  auto sum = CheckedAdd(micro_, other.micro_);
  if (!sum.ok()) return sum.error().WithContext("amount");
  return Amount(*sum);
}

Result<Amount> Amount::Sub(Amount other) const {
  auto difference = CheckedSub(micro_, other.micro_);
  if (!difference.ok()) return difference.error().WithContext("amount");
  return Amount(*difference);
}

Result<Amount> Amount::Mul(uint64_t factor) const {
  auto product = CheckedMul(micro_, factor);
  if (!product.ok()) return product.error().WithContext("amount");
  return Amount(*product);
}

Result<Amount> Amount::MulDiv(uint64_t numerator, uint64_t denominator) const {
  if (denominator == 0) return Error::InvalidArgument("amount: division by zero");
  unsigned __int128 result = static_cast<unsigned __int128>(micro_) * numerator / denominator;
  if (result > UINT64_MAX) {
    return Error::InvalidArgument("amount: " + std::to_string(micro_) + " * " +
                                  std::to_string(numerator) + " / " + std::to_string(denominator) +
                                  " overflows");
  }
  return Amount(static_cast<uint64_t>(result));
}

std::string Amount::ToDecimal() const {
  std::string out = std::to_string(micro_ / kMicroPerCoin);
  uint64_t fraction = micro_ % kMicroPerCoin;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, kMaxDecimals - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string Amount::ToString() const { return ToDecimal() + " AITBC"; }

}  // namespace aitbc::core
