// A serverless plugin (serverless.yml's plugins): `osls package` and `osls deploy` first compile the
// configFile parameter with the product's own `hf-iam-sync compile` (custom.compiledConfig: source →
// output), so a configuration with a problem fails the package with every problem listed, not the
// first event in Lambda, and the functions read checked JSON at cold start (no YAML parser, no
// schema library in their bundles). The output is packaged (package.patterns) and named by
// HF_IAM_SYNC_CONFIG.

const { execFileSync } = require('node:child_process');
const path = require('node:path');

class CompileConfig {
  constructor(serverless) {
    this.serverless = serverless;
    const compile = () => this.compile();
    // Before serverless-esbuild (listed after this plugin) copies package.patterns into the artifacts.
    this.hooks = { 'before:package:createDeploymentArtifacts': compile, 'before:deploy:function:packageFunction': compile };
  }

  compile() {
    const { source, output } = this.serverless.service.custom?.compiledConfig ?? {};
    if (!source || !output) {
      throw new this.serverless.classes.Error(
        'custom.compiledConfig needs source (the configuration file, ${param:configFile}) and output (the compiled JSON HF_IAM_SYNC_CONFIG names)',
      );
    }
    const serviceDir = this.serverless.serviceDir ?? this.serverless.config.servicePath;
    try {
      execFileSync(
        process.execPath,
        [path.join(serviceDir, 'dist', 'cli', 'hf-iam-sync.mjs'), 'compile', '--config', source, '--out', output],
        {
          cwd: serviceDir,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      throw new this.serverless.classes.Error(
        `The configuration file ${source} has problems; nothing was packaged:\n${String(error.stderr ?? error.message).trim()}`,
      );
    }
  }
}

module.exports = CompileConfig;
