// esbuild plugins for the Lambda bundles (serverless.yml's custom.esbuild.plugins, and the cold-start bench).
//
// okta-sdk-used-apis: the Okta SDK's client constructs every one of its ~95 generated API classes,
// so a bundler keeps them all (3.5 MB of the bundle, parsed at every cold start). hf-iam-sync calls
// three of them. The others are replaced, at bundle time only, by a stand-in class that throws a
// clear error if anything ever calls it; the SDK's client, HTTP layer, models and auth are untouched.
// A unit test checks that the product's code calls no Okta API outside USED_OKTA_APIS.

const USED_OKTA_APIS = ['User', 'Group', 'SystemLog'];

const oktaSdkUsedApis = {
  name: 'okta-sdk-used-apis',
  setup(build) {
    build.onLoad({ filter: /[\\/]@okta[\\/]okta-sdk-nodejs[\\/]src[\\/]generated[\\/]apis[\\/][A-Za-z0-9]+Api\.js$/ }, (args) => {
      const name = args.path.match(/([A-Za-z0-9]+)Api\.js$/)[1];
      if (USED_OKTA_APIS.includes(name)) return undefined;
      return {
        loader: 'js',
        contents: `'use strict';
Object.defineProperty(exports, '__esModule', { value: true });
class Unused {
  constructor() {
    return new Proxy(this, { get: (target, key) => (key in target || typeof key === 'symbol' || key === 'then' ? target[key] : () => {
      throw new Error('The Okta SDK\\'s ${name}Api is left out of this bundle (hf-iam-sync does not use it); add "${name}" to USED_OKTA_APIS in scripts/esbuild-plugins.cjs');
    }) });
  }
}
exports.${name}ApiRequestFactory = Unused;
exports.${name}ApiResponseProcessor = Unused;
`,
      };
    });
  },
};

module.exports = [oktaSdkUsedApis];
module.exports.USED_OKTA_APIS = USED_OKTA_APIS;
