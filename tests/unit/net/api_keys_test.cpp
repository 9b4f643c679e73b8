#include "net/api_keys.h"

#include <gtest/gtest.h>

namespace aitbc::net {
namespace {

using core::ErrorCode;

class ApiKeysTest : public ::testing::Test {
 protected:
  NewApiKey Issue(Role role, std::string owner = "owner") {
    NewApiKey key = GenerateApiKey(role, std::move(owner), random_, 1'700'000'000'000);
    verifier_.Put(key.record);
    return key;
  }

  core::DeterministicRandom random_{11};
  ApiKeyVerifier verifier_;
};

TEST_F(ApiKeysTest, GeneratedKeyHasTheDocumentedShape) {
  NewApiKey key = Issue(Role::kMiner, "miner-1");
  // aitbc_miner_<16 hex>_<64 hex>
  ASSERT_EQ(key.plaintext.rfind("aitbc_miner_", 0), 0u);
  EXPECT_EQ(key.plaintext.size(), 12 + 16 + 1 + 64u);
  EXPECT_EQ(key.record.id.size(), 16u);
  EXPECT_EQ(key.plaintext.substr(12, 16), key.record.id);
  EXPECT_EQ(key.record.role, Role::kMiner);
  EXPECT_EQ(key.record.owner, "miner-1");
  EXPECT_EQ(key.record.created_ms, 1'700'000'000'000);
  // Only the hash is kept, and it is the hash of the secret part.
  auto parsed = HashPresentedKey(key.plaintext);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first, key.record.id);
  EXPECT_EQ(parsed->second, key.record.secret_hash);
  EXPECT_EQ(key.plaintext.find(key.record.secret_hash.ToHex()), std::string::npos);

  NewApiKey other = GenerateApiKey(Role::kMiner, "miner-1", random_, 0);
  EXPECT_NE(other.plaintext, key.plaintext);
  EXPECT_NE(other.record.id, key.record.id);
}

TEST_F(ApiKeysTest, VerifiesTheRightKey) {
  NewApiKey key = Issue(Role::kClient, "aitbc1client");
  auto record = verifier_.Verify(key.plaintext, {Role::kClient});
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->owner, "aitbc1client");
  EXPECT_EQ(record->role, Role::kClient);
  // Hex is accepted in either case.
  std::string upper = key.plaintext;
  for (size_t i = 13; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(verifier_.Verify(upper, {Role::kClient}).ok());
  // No roles listed: any role will do.
  EXPECT_TRUE(verifier_.Verify(key.plaintext, {}).ok());
}

TEST_F(ApiKeysTest, MissingKey) {
  auto result = verifier_.Verify(std::nullopt, {Role::kClient});
  EXPECT_EQ(result.error(), core::Error::Unauthenticated("missing API key (X-Api-Key header)"));
  result = verifier_.Verify("", {Role::kMiner}, "X-Miner-Key");
  EXPECT_EQ(result.error(), core::Error::Unauthenticated("missing API key (X-Miner-Key header)"));
}

TEST_F(ApiKeysTest, WrongSecretOrUnknownIdIsInvalid) {
  NewApiKey key = Issue(Role::kClient);
  // Every byte of the secret counts: change only the last hex digit.
  std::string wrong = key.plaintext;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(verifier_.Verify(wrong, {Role::kClient}).error(),
            core::Error::Unauthenticated("invalid API key"));
  // A well-formed key nobody issued.
  NewApiKey stranger = GenerateApiKey(Role::kClient, "x", random_, 0);
  EXPECT_EQ(verifier_.Verify(stranger.plaintext, {Role::kClient}).error(),
            core::Error::Unauthenticated("invalid API key"));
  // A revoked key.
  verifier_.Remove(key.record.id);
  EXPECT_EQ(verifier_.Verify(key.plaintext, {Role::kClient}).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(verifier_.size(), 0u);
}

TEST_F(ApiKeysTest, MalformedKeys) {
  NewApiKey key = Issue(Role::kClient);
  const std::string id = key.record.id;
  const std::string secret = key.plaintext.substr(key.plaintext.rfind('_') + 1);
  for (std::string bad :
       {std::string("not-a-key"), "aitbc_client_" + id,
        "aitbc_client_" + id + "_" + secret + "_extra", "aitbc_root_" + id + "_" + secret,
        "xyz_client_" + id + "_" + secret, "aitbc_client_" + id.substr(1) + "_" + secret,
        "aitbc_client_" + id + "_" + secret.substr(2),
        "aitbc_client_" + id + "_" + std::string(64, 'g')}) {
    auto result = verifier_.Verify(bad, {Role::kClient});
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error(), core::Error::Unauthenticated("malformed API key")) << bad;
  }
}

TEST_F(ApiKeysTest, WrongRoleIsPermissionDenied) {
  NewApiKey client = Issue(Role::kClient);
  EXPECT_EQ(verifier_.Verify(client.plaintext, {Role::kAdmin}).error(),
            core::Error::PermissionDenied("this endpoint requires role admin"));
  EXPECT_EQ(verifier_.Verify(client.plaintext, {Role::kMiner, Role::kAdmin}).error(),
            core::Error::PermissionDenied("this endpoint requires role miner or admin"));
  // The role written in the key is not trusted: the record decides.
  std::string forged = client.plaintext;
  forged.replace(6, 6, "admin");  // "client" -> "admin"
  EXPECT_EQ(verifier_.Verify(forged, {Role::kAdmin}).error().code(), ErrorCode::kPermissionDenied);
}

TEST(RoleTest, Names) {
  for (Role role : {Role::kClient, Role::kMiner, Role::kAdmin}) {
    EXPECT_EQ(*RoleFromName(RoleName(role)), role);
  }
  EXPECT_EQ(RoleFromName("root").error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aitbc::net
