// esbuild plugins for the Lambda bundles (serverless.yml's custom.esbuild.plugins, and the cold-start bench).
//
// okta-sdk-used-apis: the Okta SDK's client constructs every one of its ~95 generated API classes
// (each behind two wrapper layers) and its serializer requires all ~1,850 models, so a bundler
// keeps them all and a cold start evaluates them. hf-iam-sync calls six methods of three APIs
// (USED_OKTA_METHODS). At bundle time only: the other APIs' classes and wrappers become a stand-in
// that throws a clear error if anything ever calls it; the kept classes lose the methods nobody
// calls; the serializer and the model index keep the models those methods can return; OAuth/DPoP
// (private-key mode), multipart uploads, proxies, lodash and js-yaml are required on first use or
// per function, not whole at load. The SDK's client, HTTP layer, the kept models and auth are its
// own code, untouched.
// A unit test checks that the product's code calls exactly the methods in USED_OKTA_METHODS;
// bundled-functions.test.ts runs the bundles (reads through the SDK, a private-key client's
// assertion, a left-out API's error). An SDK whose generated code changed shape fails the bundle.
//
// node-url-for-node-fetch, aws-sdk-es-modules: see below.

const fs = require('node:fs');
const path = require('node:path');

const acorn = require('acorn');

/** The Okta SDK's APIs and methods hf-iam-sync calls (okta-apis.test.ts keeps this equal to the code's calls). */
const USED_OKTA_METHODS = {
  User: ['getUser', 'listUserGroups', 'listUsers'],
  Group: ['listGroupUsers', 'listGroups'],
  SystemLog: ['listLogEvents'],
};
const USED_OKTA_APIS = Object.keys(USED_OKTA_METHODS);

/**
 * `text` without the methods of a kept API's classes that hf-iam-sync never calls: in the
 * generated request factories and response processors (`listUsers`), and in the two wrapper
 * layers (`listUsers`, `listUsersWithHttpInfo`). Found with a parser, not by indentation; a kept
 * class missing one of the used methods fails the bundle.
 */
function withUsedMethodsOnly(file, text) {
  const ast = acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'script' });
  const cuts = [];
  const found = new Set();
  for (const node of ast.body) {
    if (node.type !== 'ClassDeclaration') continue;
    const api = node.id.name.match(/^(?:Observable|Object)?(\w+?)Api(?:RequestFactory|ResponseProcessor)?$/)?.[1];
    const keep = USED_OKTA_METHODS[api];
    if (!keep) continue;
    for (const member of node.body.body) {
      if (member.type !== 'MethodDefinition' || member.kind !== 'method' || member.key.type !== 'Identifier') continue;
      const method = member.key.name.replace(/WithHttpInfo$/, '');
      if (keep.includes(method)) found.add(`${node.id.name}.${method}`);
      else cuts.push([member.start, member.end]);
    }
    for (const method of keep) {
      if (!found.has(`${node.id.name}.${method}`))
        throw new Error(
          `okta-sdk-used-apis: ${file}: class ${node.id.name} has no method ${method}; the Okta SDK changed — update USED_OKTA_METHODS in scripts/esbuild-plugins.cjs`,
        );
    }
  }
  let out = text;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + out.slice(end);
  return out;
}

/**
 * The models the kept API methods can (de)serialize: every model named in their code, and, transitively,
 * every model named in those models' files (attribute types, discriminator maps). A superset by
 * construction: any capitalised word in a quoted string that names a model file counts.
 */
function usedModels(generated, apiText) {
  // The serializer and the index name every model; they are not models.
  const models = new Set(
    fs
      .readdirSync(path.join(generated, 'models'))
      .filter((f) => f.endsWith('.js') && f !== 'ObjectSerializer.js' && f !== 'all.js')
      .map((f) => f.slice(0, -3)),
  );
  const named = (text) => {
    const found = [];
    for (const quoted of text.matchAll(/['"]([^'"\n]*)['"]/g)) {
      for (const word of quoted[1].matchAll(/[A-Z][A-Za-z0-9]*/g)) if (models.has(word[0])) found.push(word[0]);
    }
    return found;
  };
  const used = new Set();
  const queue = USED_OKTA_APIS.flatMap((api) => named(apiText(path.join(generated, 'apis', `${api}Api.js`))));
  while (queue.length > 0) {
    const model = queue.pop();
    if (used.has(model)) continue;
    used.add(model);
    queue.push(...named(fs.readFileSync(path.join(generated, 'models', `${model}.js`), 'utf8')));
  }
  return used;
}

const stub = (name, what) => `'use strict';
Object.defineProperty(exports, '__esModule', { value: true });
${what}`;

const SDK = /[\\/]@okta[\\/]okta-sdk-nodejs[\\/]src[\\/]/;
const sdkFile = (rel) => new RegExp(`${SDK.source}${rel.replace(/\//g, '[\\\\/]').replace(/\./g, '\\.')}$`);

/** The Okta API classes left out: every method throws, naming the API and how to keep it. */
const unusedApiClass = (what) => `class Unused${what} {
  constructor() {
    const api = this.constructor.api;
    return new Proxy(this, { get: (target, key) => (key in target || typeof key === 'symbol' || key === 'then' ? target[key] : () => {
      throw new Error('The Okta SDK\\'s ' + api + 'Api is left out of this bundle (hf-iam-sync does not use it); add it, with the methods called, to USED_OKTA_METHODS in scripts/esbuild-plugins.cjs');
    }) });
  }
}
`;

/**
 * Replaces every match of `pattern` in `text` by `replace(match)`; the bundle fails, naming the
 * file, if the SDK's generated code no longer has the shape this plugin expects (an SDK upgrade
 * must be looked at, not bundled blindly).
 */
function rewrite(file, text, pattern, replace, expected) {
  let count = 0;
  const out = text.replace(pattern, (...match) => {
    count += 1;
    return replace(...match);
  });
  if (count < expected) {
    throw new Error(
      `okta-sdk-used-apis: ${file} has ${count} of the ${expected} blocks this plugin expects (pattern ${pattern}); the Okta SDK's generated code changed — update scripts/esbuild-plugins.cjs`,
    );
  }
  return out;
}

const oktaSdkUsedApis = {
  name: 'okta-sdk-used-apis',
  setup(build) {
    let models;
    const read = (file) => fs.readFileSync(file, 'utf8');
    const trimmed = new Map();
    const apiText = (file) => {
      if (!trimmed.has(file)) trimmed.set(file, withUsedMethodsOnly(file, read(file)));
      return trimmed.get(file);
    };
    const usedModel = (generated, name) => (models ??= usedModels(generated, apiText)).has(name);
    const apiCount = (text, prefix) => [...text.matchAll(new RegExp(`^class ${prefix}\\w+Api \\{`, 'gm'))].length;

    // Models nothing the product calls can return: an empty class of the same name, if anything
    // still requires one (the serializer and the index below no longer do).
    build.onLoad({ filter: /[\\/]@okta[\\/]okta-sdk-nodejs[\\/]src[\\/]generated[\\/]models[\\/][A-Za-z0-9]+\.js$/ }, (args) => {
      const name = path.basename(args.path, '.js');
      const generated = path.resolve(path.dirname(args.path), '..');
      if (name === 'all') {
        // The index of every model: only the used ones.
        const text = read(args.path);
        return {
          loader: 'js',
          contents: rewrite(
            args.path,
            text,
            /^__exportStar\(require\('\.\.\/models\/(\w+)'\), exports\);\n/gm,
            (line, model) => (usedModel(generated, model) ? line : ''),
            1,
          ),
        };
      }
      if (name === 'ObjectSerializer') {
        // Its exports of, requires of and type-map entries for every model: only the used ones. A
        // type it does not know it leaves as plain data (it never meets one: see usedModels).
        let text = read(args.path);
        text = rewrite(
          args.path,
          text,
          /^__exportStar\(require\("\.\/(\w+)"\), exports\);\n/gm,
          (line, model) => (usedModel(generated, model) ? line : ''),
          1,
        );
        text = rewrite(
          args.path,
          text,
          /^const (\w+)_1 = require\("\.\.\/models\/\1"\);\n/gm,
          (line, model) => (usedModel(generated, model) ? line : ''),
          1,
        );
        text = rewrite(
          args.path,
          text,
          /^ +(?:"[^"\n]+"|'[^'\n]+'): (\w+)_1\.\1(?:Class)?,?\n/gm,
          (line, model) => (usedModel(generated, model) ? line : ''),
          1,
        );
        const dangling = [...text.matchAll(/\b(\w+)_1\./g)]
          .map((m) => m[1])
          .find((model) => !usedModel(generated, model) && !text.includes(`const ${model}_1 =`));
        if (dangling)
          throw new Error(
            `okta-sdk-used-apis: ${args.path} still uses the left-out model ${dangling} in a form this plugin does not expect; update scripts/esbuild-plugins.cjs`,
          );
        return { loader: 'js', contents: text };
      }
      if (usedModel(generated, name)) return undefined;
      return {
        loader: 'js',
        contents: stub(name, `class ${name} { static getAttributeTypeMap() { return []; } }\nexports.${name} = ${name};\n`),
      };
    });

    // The generated API classes (request factories and response processors): only the used ones.
    build.onLoad({ filter: /[\\/]@okta[\\/]okta-sdk-nodejs[\\/]src[\\/]generated[\\/]apis[\\/][A-Za-z0-9]+Api\.js$/ }, (args) => {
      const name = args.path.match(/([A-Za-z0-9]+)Api\.js$/)[1];
      if (USED_OKTA_APIS.includes(name)) return { loader: 'js', contents: apiText(args.path) };
      return {
        loader: 'js',
        contents: stub(
          name,
          `${unusedApiClass('')}class UnusedApi extends Unused { static api = '${name}'; }
exports.${name}ApiRequestFactory = UnusedApi;
exports.${name}ApiResponseProcessor = UnusedApi;
`,
        ),
      };
    });

    // The two wrapper layers the client constructs for every API (~470 KiB for ~95 APIs): a
    // left-out API's wrappers become the throwing stand-in, without requiring anything.
    build.onLoad({ filter: sdkFile('generated/types/ObservableAPI.js') }, (args) => {
      const text = read(args.path);
      const out = rewrite(
        args.path,
        text,
        /^const (\w+)Api_1 = require\('\.\.\/apis\/\1Api'\);\nclass Observable\1Api \{[\s\S]*?\n\}\nexports\.Observable\1Api = Observable\1Api;$/gm,
        (block, api) =>
          USED_OKTA_APIS.includes(api)
            ? block
            : `class ObservableUnused${api}Api extends UnusedObservable { static api = '${api}'; }\nexports.Observable${api}Api = ObservableUnused${api}Api;`,
        apiCount(text, 'Observable'),
      );
      return { loader: 'js', contents: withUsedMethodsOnly(args.path, `${unusedApiClass('Observable')}${out}`) };
    });
    build.onLoad({ filter: sdkFile('generated/types/ObjectParamAPI.js') }, (args) => {
      const text = read(args.path);
      const out = rewrite(
        args.path,
        text,
        /^const ObservableAPI_\d+ = require\("\.\/ObservableAPI"\);\nclass Object(\w+)Api \{[\s\S]*?\n\}\nexports\.Object\1Api = Object\1Api;$/gm,
        (block, api) =>
          USED_OKTA_APIS.includes(api)
            ? block
            : `class ObjectUnused${api}Api extends UnusedObject { static api = '${api}'; }\nexports.Object${api}Api = ObjectUnused${api}Api;`,
        apiCount(text, 'Object'),
      );
      return { loader: 'js', contents: withUsedMethodsOnly(args.path, `${unusedApiClass('Object')}${out}`) };
    });

    // What only some configurations reach is loaded when first used, not at every cold start:
    // OAuth (private-key mode) and DPoP with node-jose and node-forge, multipart uploads
    // (form-data, mime-db), proxies. Same modules, same calls; only when they are evaluated moves.
    build.onLoad({ filter: sdkFile('client.js') }, (args) => ({
      loader: 'js',
      contents: rewrite(
        args.path,
        read(args.path),
        /^const \{ OAuth \} = require\('\.\/oauth'\);$/m,
        () => "const OAuth = function OAuth(client) { return new (require('./oauth').OAuth)(client); };",
        1,
      ),
    }));
    // lodash whole is ~130 KiB evaluated at load for one function per file: the SDK's files get
    // lodash's own per-function modules of the same version. js-yaml reads ~/.okta/okta.yaml only if one exists.
    build.onLoad({ filter: sdkFile('config-loader.js') }, (args) => {
      let text = rewrite(
        args.path,
        read(args.path),
        /^const _ = require\('lodash'\);$/m,
        () => "const _ = { mergeWith: require('lodash/mergeWith') };",
        1,
      );
      text = rewrite(
        args.path,
        text,
        /^const yaml = require\('js-yaml'\);$/m,
        () => "const yaml = { load: (...args) => require('js-yaml').load(...args) };",
        1,
      );
      const stray = text.match(/\b_\.(?!mergeWith\b)\w+/);
      if (stray)
        throw new Error(
          `okta-sdk-used-apis: ${args.path} uses lodash's ${stray[0]}, not only mergeWith; update scripts/esbuild-plugins.cjs`,
        );
      return { loader: 'js', contents: text };
    });
    build.onLoad({ filter: sdkFile('default-cache-middleware.js') }, (args) => {
      const text = rewrite(
        args.path,
        read(args.path),
        /^const _ = require\('lodash'\);$/m,
        () => "const _ = { get: require('lodash/get') };",
        1,
      );
      const stray = text.match(/\b_\.(?!get\b)\w+/);
      if (stray)
        throw new Error(`okta-sdk-used-apis: ${args.path} uses lodash's ${stray[0]}, not only get; update scripts/esbuild-plugins.cjs`);
      return { loader: 'js', contents: text };
    });
    build.onLoad({ filter: sdkFile('http.js') }, (args) => {
      let text = read(args.path);
      text = rewrite(
        args.path,
        text,
        /^const FormData = require\('form-data'\);$/m,
        () => "const FormData = function FormData() { return new (require('form-data'))(); };",
        1,
      );
      text = rewrite(
        args.path,
        text,
        /^const HttpsProxyAgent = require\('https-proxy-agent'\);$/m,
        () => "const HttpsProxyAgent = function HttpsProxyAgent(...args) { return new (require('https-proxy-agent'))(...args); };",
        1,
      );
      text = rewrite(
        args.path,
        text,
        /^const \{generateDpopJwt\} = require\('\.\/dpop'\);$/m,
        () => "const generateDpopJwt = (...args) => require('./dpop').generateDpopJwt(...args);",
        1,
      );
      return { loader: 'js', contents: text };
    });
  },
};

// node-fetch 2 (the Okta SDK's HTTP client) takes Node's own URL when there is one
// (`Url.URL || whatwgUrl.URL`) and only falls back to the whatwg-url package, whose tr46 tables
// are ~280 KiB evaluated at every cold start. Node always has URL: the fallback is Node's.
const nodeUrlForNodeFetch = {
  name: 'node-url-for-node-fetch',
  setup(build) {
    build.onResolve({ filter: /^whatwg-url$/ }, (args) =>
      /[\\/]node-fetch[\\/]/.test(args.importer) ? { path: 'whatwg-url', namespace: 'node-url' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'node-url' }, () => ({
      loader: 'js',
      contents: "module.exports = { URL: require('node:url').URL };\n",
    }));
  },
};

/**
 * aws-sdk-es-modules: the AWS SDK's and Smithy's packages as their ES module builds (`module`,
 * dist-es) instead of dist-cjs, so esbuild drops what a function never imports: the ci-token
 * bundle shrinks by a quarter and its cold start with it (npm run bench: ci-token). Scoped to
 * these packages: a package whose CommonJS consumers expect a default export (node-fetch, required
 * by the Okta SDK) must stay CommonJS, so `mainFields` is not changed for all.
 */
const SDK_PACKAGE = /^@(aws-sdk|smithy)\/[^/]+$/;
const awsSdkEsModules = {
  name: 'aws-sdk-es-modules',
  setup(build) {
    build.onResolve({ filter: SDK_PACKAGE }, async (args) => {
      if (args.pluginData === 'aws-sdk-es-modules') return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'aws-sdk-es-modules',
      });
      if (found.errors.length > 0 || !/[\\/]dist-cjs[\\/]/.test(found.path)) return found;
      const root = found.path.slice(0, found.path.search(/[\\/]dist-cjs[\\/]/));
      const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
      return manifest.module ? { path: path.join(root, manifest.module) } : found;
    });
  },
};

module.exports = [oktaSdkUsedApis, nodeUrlForNodeFetch, awsSdkEsModules];
module.exports.USED_OKTA_APIS = USED_OKTA_APIS;
module.exports.USED_OKTA_METHODS = USED_OKTA_METHODS;
