// esbuild plugins for the Lambda bundles (serverless.yml's custom.esbuild.plugins, and the cold-start bench).
//
// okta-sdk-used-apis: the Okta SDK's client constructs every one of its ~95 generated API classes,
// so a bundler keeps them all (3.5 MB of the bundle, parsed at every cold start). hf-iam-sync calls
// three of them. The others are replaced, at bundle time only, by a stand-in class that throws a
// clear error if anything ever calls it; the SDK's client, HTTP layer, models and auth are untouched.
// A unit test checks that the product's code calls no Okta API outside USED_OKTA_APIS.

const fs = require('node:fs');
const path = require('node:path');

const USED_OKTA_APIS = ['User', 'Group', 'SystemLog'];

/**
 * The models the kept APIs can (de)serialize: every model named in their files, and, transitively,
 * every model named in those models' files (attribute types, discriminator maps). A superset by
 * construction: any capitalised word in a quoted string that names a model file counts.
 */
function usedModels(generated) {
  // The serializer and the index name every model; they are not models.
  const models = new Set(fs.readdirSync(path.join(generated, 'models')).filter((f) => f.endsWith('.js') && f !== 'ObjectSerializer.js' && f !== 'all.js').map((f) => f.slice(0, -3)));
  const named = (file) => {
    const found = [];
    for (const quoted of fs.readFileSync(file, 'utf8').matchAll(/['"]([^'"\n]*)['"]/g)) {
      for (const word of quoted[1].matchAll(/[A-Z][A-Za-z0-9]*/g)) if (models.has(word[0])) found.push(word[0]);
    }
    return found;
  };
  const used = new Set();
  const queue = USED_OKTA_APIS.flatMap((api) => named(path.join(generated, 'apis', `${api}Api.js`)));
  while (queue.length > 0) {
    const model = queue.pop();
    if (used.has(model)) continue;
    used.add(model);
    queue.push(...named(path.join(generated, 'models', `${model}.js`)));
  }
  return used;
}

const stub = (name, what) => `'use strict';
Object.defineProperty(exports, '__esModule', { value: true });
${what}`;

const oktaSdkUsedApis = {
  name: 'okta-sdk-used-apis',
  setup(build) {
    let models;
    // Models nothing the product calls can return: an empty class of the same name (the SDK's
    // serializer still finds every name it lists; none of them is ever (de)serialized).
    build.onLoad({ filter: /[\\/]@okta[\\/]okta-sdk-nodejs[\\/]src[\\/]generated[\\/]models[\\/][A-Za-z0-9]+\.js$/ }, (args) => {
      const name = path.basename(args.path, '.js');
      if (name === 'ObjectSerializer' || name === 'all') return undefined;
      models ??= usedModels(path.resolve(path.dirname(args.path), '..'));
      if (models.has(name)) return undefined;
      return { loader: 'js', contents: stub(name, `class ${name} { static getAttributeTypeMap() { return []; } }\nexports.${name} = ${name};\n`) };
    });
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
