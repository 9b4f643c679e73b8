// JSON forms of amounts, transactions, receipts and blocks for the APIs (docs/api.md).
//
// Contract: the JSON form is for people and APIs; the binary encoding is what is signed. The
// *FromJson functions validate every field and say which one is wrong; they never throw
// (nlohmann exceptions are caught here).
#pragma once

#include <nlohmann/json.hpp>

#include "core/amount.h"
#include "protocol/block.h"
#include "protocol/receipt.h"
#include "protocol/transaction.h"

namespace aitbc::protocol {

// "0.25aitbc": exact, the seed's form.
std::string AmountToJson(core::Amount amount);
// Accepts "0.25aitbc", "0.25 AITBC", "250000uaitbc", "0.25" (strings) and non-negative integer
// numbers of uaitbc.
core::Result<core::Amount> AmountFromJson(const nlohmann::json& value, std::string_view field);

nlohmann::json MetricsToJson(const Metrics& metrics);
core::Result<Metrics> MetricsFromJson(const nlohmann::json& json);
nlohmann::json PriceToJson(const Price& price);
core::Result<Price> PriceFromJson(const nlohmann::json& json);

nlohmann::json ReceiptToJson(const Receipt& receipt);
core::Result<Receipt> ReceiptFromJson(const nlohmann::json& json);

// {"hash","type","chain_id","sender","sender_key","nonce","fee","payload":{...},"signature"}
nlohmann::json TxToJson(const TxEnvelope& tx);
// {"hash","height","time","prev_hash","tx_root","tx_count","state_hash","proposer",...}
nlohmann::json BlockHeaderToJson(const BlockHeader& header);

// Reads a required field of a JSON object with a clear error: "field 'job_id' must be a string".
core::Result<std::string> GetString(const nlohmann::json& obj, std::string_view field);
core::Result<uint64_t> GetU64(const nlohmann::json& obj, std::string_view field);

}  // namespace aitbc::protocol
