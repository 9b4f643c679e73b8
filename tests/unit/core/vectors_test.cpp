// Checks the implementation against the published test vectors in tests/vectors/.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "core/address.h"
#include "core/encoding.h"
#include "core/file_util.h"
#include "core/keys.h"
#include "test_util.h"

namespace aitbc::core {
namespace {

constexpr size_t kDefaultMaxLen = 1 << 20;

nlohmann::json LoadVectors(std::string_view name) {
  std::string path = testing::VectorPath(name);
  auto text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.error().ToString();
  if (!text.ok()) return nlohmann::json::array();
  return nlohmann::json::parse(*text);
}

// The single (name, value) entry of an op, ignoring "max_len".
std::pair<std::string, nlohmann::json> OpEntry(const nlohmann::json& op) {
  for (const auto& [key, value] : op.items()) {
    if (key != "max_len") return {key, value};
  }
  ADD_FAILURE() << "op without a value: " << op.dump();
  return {"", nullptr};
}

void Write(Writer& w, const nlohmann::json& op) {
  auto [kind, value] = OpEntry(op);
  if (kind == "u8") return w.U8(value.get<uint8_t>());
  if (kind == "u16") return w.U16(value.get<uint16_t>());
  if (kind == "u32") return w.U32(value.get<uint32_t>());
  if (kind == "u64") return w.U64(std::stoull(value.get<std::string>()));
  if (kind == "bool") return w.Bool(value.get<bool>());
  if (kind == "fixed") return w.Fixed(*HexDecode(value.get<std::string>()));
  if (kind == "var") return w.Var(*HexDecode(value.get<std::string>()));
  if (kind == "string") return w.String(value.get<std::string>());
  ADD_FAILURE() << "unknown op " << kind;
}

// Reads one op and checks the value read equals the op's value.
Status ReadAndCheck(Reader& r, const nlohmann::json& op) {
  auto [kind, value] = OpEntry(op);
  size_t max_len = op.value("max_len", kDefaultMaxLen);
  if (kind == "u8") {
    AITBC_ASSIGN_OR_RETURN(uint8_t v, r.U8());
    EXPECT_EQ(v, value.get<uint8_t>());
  } else if (kind == "u16") {
    AITBC_ASSIGN_OR_RETURN(uint16_t v, r.U16());
    EXPECT_EQ(v, value.get<uint16_t>());
  } else if (kind == "u32") {
    AITBC_ASSIGN_OR_RETURN(uint32_t v, r.U32());
    EXPECT_EQ(v, value.get<uint32_t>());
  } else if (kind == "u64") {
    AITBC_ASSIGN_OR_RETURN(uint64_t v, r.U64());
    EXPECT_EQ(std::to_string(v), value.get<std::string>());
  } else if (kind == "bool") {
    AITBC_ASSIGN_OR_RETURN(bool v, r.Bool());
    EXPECT_EQ(v, value.get<bool>());
  } else if (kind == "fixed") {
    Bytes v(value.get<std::string>().size() / 2);
    AITBC_TRY(r.Fixed(v));
    EXPECT_EQ(HexEncode(v), value.get<std::string>());
  } else if (kind == "var") {
    AITBC_ASSIGN_OR_RETURN(Bytes v, r.Var(max_len));
    EXPECT_EQ(HexEncode(v), value.get<std::string>());
  } else if (kind == "string") {
    AITBC_ASSIGN_OR_RETURN(std::string v, r.String(max_len));
    EXPECT_EQ(v, value.get<std::string>());
  } else {
    ADD_FAILURE() << "unknown op " << kind;
  }
  return Ok();
}

Status ReadAll(ByteView data, const nlohmann::json& ops) {
  Reader r(data);
  for (const auto& op : ops) AITBC_TRY(ReadAndCheck(r, op));
  return r.ExpectEnd();
}

TEST(EncodingVectorsTest, WriterAndReaderMatchTheVectors) {
  nlohmann::json cases = LoadVectors("encoding.json");
  ASSERT_TRUE(cases.is_array());
  int valid = 0;
  int invalid = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("description").get<std::string>());
    Bytes data = *HexDecode(c.at("hex").get<std::string>());
    Status read = ReadAll(data, c.at("ops"));
    if (c.contains("error")) {
      ++invalid;
      ASSERT_FALSE(read.ok());
      EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(read.error().message().find(c.at("error").get<std::string>()), std::string::npos)
          << read.error().message();
      continue;
    }
    ++valid;
    Writer w;
    for (const auto& op : c.at("ops")) Write(w, op);
    EXPECT_EQ(HexEncode(w.bytes()), c.at("hex").get<std::string>());
    EXPECT_TRUE(read.ok()) << read.error().ToString();
  }
  EXPECT_GE(valid, 5);
  EXPECT_GE(invalid, 5);
}

TEST(KeyVectorsTest, Rfc8032KeysSignaturesAndAddresses) {
  nlohmann::json cases = LoadVectors("keys.json");
  ASSERT_TRUE(cases.is_array());
  EXPECT_EQ(cases.size(), 3u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("description").get<std::string>());
    auto key = PrivateKey::FromSeed(*HexDecode(c.at("seed").get<std::string>()));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->public_key().ToHex(), c.at("public_key").get<std::string>());
    Address address = Address::FromPublicKey(key->public_key());
    EXPECT_EQ(address.ToString(), c.at("address").get<std::string>());
    EXPECT_EQ(*Address::Parse(c.at("address").get<std::string>()), address);
    Bytes message = *HexDecode(c.at("message").get<std::string>());
    EXPECT_EQ(key->Sign(message).ToHex(), c.at("signature").get<std::string>());
    EXPECT_TRUE(Verify(key->public_key(), message,
                       *Signature::FromHex(c.at("signature").get<std::string>())));
  }
}

}  // namespace
}  // namespace aitbc::core
