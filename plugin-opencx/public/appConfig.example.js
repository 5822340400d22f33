// Copy to public/appConfig.js (git-ignored) for `flex-plugin start` against a Flex account.
var appConfig = {
  pluginService: {
    enabled: true,
    url: '/plugins',
  },
  logLevel: 'info',
};
