#include "cli/config.h"

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "process.h"

namespace aitbc::cli {
namespace {

TEST(ParseConfigToml, ReadsEveryKey) {
  auto s = ParseConfigToml(
      "url = \"http://c:1\"\napi_key = \"k\"\nadmin_api_key = \"a\"\nnode_url = \"http://n:2\"\n"
      "wallet_dir = \"/w\"\n",
      "f.toml");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->url, "http://c:1");
  EXPECT_EQ(s->api_key, "k");
  EXPECT_EQ(s->admin_key, "a");
  EXPECT_EQ(s->node_url, "http://n:2");
  EXPECT_EQ(s->wallet_dir, "/w");
}

TEST(ParseConfigToml, Errors) {
  auto bad = ParseConfigToml("url = ", "f.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("f.toml"), std::string::npos);

  auto unknown = ParseConfigToml("uri = \"x\"", "f.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown key 'uri'"), std::string::npos);

  auto typed = ParseConfigToml("url = 5", "f.toml");
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.error().message().find("'url' must be a string"), std::string::npos);
}

TEST(ResolveSettings, DefaultsWithoutAnything) {
  testing::TempDir home;
  auto s = ResolveSettings({}, {{"HOME", home.path()}});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->url, "http://127.0.0.1:8000");
  EXPECT_EQ(s->node_url, "http://127.0.0.1:8006");
  EXPECT_EQ(s->api_key, "");
  EXPECT_EQ(s->wallet_dir, home.path() + "/.aitbc/wallets");
}

TEST(ResolveSettings, FlagsOverEnvironmentOverFileOverDefaults) {
  testing::TempDir home;
  ASSERT_TRUE(core::EnsureDirectory(home.path() + "/.aitbc").ok());
  ASSERT_TRUE(
      core::WriteFileAtomic(home.path() + "/.aitbc/config.toml",
                            "url = \"http://file:1\"\napi_key = \"file-key\"\n"
                            "node_url = \"http://file:2\"\nadmin_api_key = \"file-admin\"\n")
          .ok());
  Environment env = {
      {"HOME", home.path()}, {"AITBC_URL", "http://env:1"}, {"CLIENT_API_KEY", "env-key"}};
  SettingFlags flags;
  flags.url = "http://flag:1";
  auto s = ResolveSettings(flags, env);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->url, "http://flag:1");       // flag
  EXPECT_EQ(s->api_key, "env-key");         // environment
  EXPECT_EQ(s->node_url, "http://file:2");  // file
  EXPECT_EQ(s->admin_key, "file-admin");    // file
}

TEST(ResolveSettings, EmptyEnvironmentVariableDoesNotOverride) {
  testing::TempDir home;
  auto s = ResolveSettings({}, {{"HOME", home.path()}, {"AITBC_URL", ""}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->url, "http://127.0.0.1:8000");
}

TEST(ResolveSettings, NamedConfigFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/c.toml";
  ASSERT_TRUE(core::WriteFileAtomic(path, "url = \"http://named:1\"\n").ok());
  SettingFlags flags;
  flags.config_file = path;
  EXPECT_EQ(ResolveSettings(flags, {}).value().url, "http://named:1");
  EXPECT_EQ(ResolveSettings({}, {{"AITBC_CONFIG", path}}).value().url, "http://named:1");

  flags.config_file = dir.path() + "/missing.toml";  // named but missing: an error
  auto missing = ResolveSettings(flags, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kNotFound);

  ASSERT_TRUE(core::WriteFileAtomic(path, "url = [").ok());
  flags.config_file = path;
  EXPECT_EQ(ResolveSettings(flags, {}).error().code(), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aitbc::cli
