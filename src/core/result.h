// Result<T> and Error: how every AITBC function reports failure on input, I/O or network.
//
// Contract: a Result holds either a value or an Error, never both. Errors are values, not
// exceptions; third-party exceptions are caught at the adapter that calls the library and
// converted here. Accessing value() of an error Result (or error() of an ok one) is a
// programmer error and aborts. Result is not thread-safe beyond what T is.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aitbc::core {

// Error categories. Each maps to one HTTP status and one JSON-RPC code at the API edges
// (net/errors.h), so choose the code by what the caller should do about it.
enum class ErrorCode {
  kInvalidArgument,     // malformed or out-of-range input: fix the request (400)
  kUnauthenticated,     // missing or wrong key or signature (401)
  kPermissionDenied,    // authenticated but not allowed (403)
  kNotFound,            // (404)
  kAlreadyExists,       // duplicate id, replayed transaction (409)
  kFailedPrecondition,  // state does not allow it now: job already finished, nonce gap (409)
  kInsufficientFunds,   // balance cannot cover it (402)
  kPayloadTooLarge,     // (413)
  kResourceExhausted,   // rate limit, full mempool, no free slot (429)
  kUnavailable,         // dependency down or shutting down: retry later (503)
  kTimeout,             // deadline passed (504)
  kCorruption,          // stored data fails its own checks (500)
  kIOError,             // file system or database failure (500)
  kInternal,            // a bug (500)
};

// The stable snake_case name of a code, used in JSON error bodies ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);
// Parses ErrorCodeName's output; unknown names map to kInternal.
ErrorCode ErrorCodeFromName(std::string_view name);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error InvalidArgument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Error Unauthenticated(std::string m) {
    return {ErrorCode::kUnauthenticated, std::move(m)};
  }
  static Error PermissionDenied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Error FailedPrecondition(std::string m) {
    return {ErrorCode::kFailedPrecondition, std::move(m)};
  }
  static Error InsufficientFunds(std::string m) {
    return {ErrorCode::kInsufficientFunds, std::move(m)};
  }
  static Error PayloadTooLarge(std::string m) {
    return {ErrorCode::kPayloadTooLarge, std::move(m)};
  }
  static Error ResourceExhausted(std::string m) {
    return {ErrorCode::kResourceExhausted, std::move(m)};
  }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error Timeout(std::string m) { return {ErrorCode::kTimeout, std::move(m)}; }
  static Error Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Error IOError(std::string m) { return {ErrorCode::kIOError, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: amount overflows" — for logs and CLI output.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with context: "reading genesis: <message>".
  Error WithContext(std::string_view context) const;

  bool operator==(const Error& other) const = default;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return Check(), std::get<0>(data_); }
  const T& value() const& { return Check(), std::get<0>(data_); }
  T&& value() && { return Check(), std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    if (ok()) std::abort();  // programmer error: asked an ok Result for its error
    return std::get<1>(data_);
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::get<1>(std::move(data_));
  }

  T value_or(T fallback) const& { return ok() ? std::get<0>(data_) : std::move(fallback); }

 private:
  void Check() const {
    if (!ok()) std::abort();  // programmer error: used the value of a failed Result
  }
  std::variant<T, Error> data_;
};

// Result<void>: success carries nothing. `return core::Ok();` or `return {};` for success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    if (!failed_) std::abort();
    return error_;
  }
  Error&& error() && {
    if (!failed_) std::abort();
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool failed_ = false;
};

using Status = Result<void>;
inline Status Ok() { return {}; }

}  // namespace aitbc::core

// Propagates an error Result from the enclosing function: AITBC_TRY(WriteFile(path, data));
#define AITBC_TRY(expr)                            \
  do {                                             \
    auto&& aitbc_try_result_ = (expr);             \
    if (!aitbc_try_result_.ok()) {                 \
      return std::move(aitbc_try_result_).error(); \
    }                                              \
  } while (false)

#define AITBC_CONCAT_INNER_(a, b) a##b
#define AITBC_CONCAT_(a, b) AITBC_CONCAT_INNER_(a, b)

// Declares or assigns lhs from a Result's value, or returns its error:
//   AITBC_ASSIGN_OR_RETURN(auto key, LoadKey(path));
#define AITBC_ASSIGN_OR_RETURN(lhs, expr) \
  AITBC_ASSIGN_OR_RETURN_IMPL_(AITBC_CONCAT_(aitbc_result_, __LINE__), lhs, expr)
#define AITBC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  lhs = std::move(tmp).value()
