#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { ProvisionError } from '../provisioning/parse.js';
import { version } from '../version.js';
import { adminCreate } from './admin.js';
import { migrate } from './migrate.js';
import { provision } from './provision.js';
import { serve } from './serve.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { userCreate, userDisable, userEnable, userList, userUnlock } from './user.js';
import { UsageError } from './io.js';

const ENVIRONMENT_HELP = `
Environment:
  DIALBACK_DATABASE_URL        sqlite:PATH (default sqlite:data/dialback.db) or postgres://USER@HOST/DB
  DIALBACK_HTTP_HOST/PORT      default 0.0.0.0 / 8080
  DIALBACK_SIP_HOST/PORT       default 0.0.0.0 / 5060 (UDP and TCP)
  DIALBACK_SIP_PUBLIC_ADDRESS  the address put in Via/Contact/SDP when it differs from the bind address
  DIALBACK_RTP_PORTS           default 20000-29999
  DIALBACK_SIP_DIGEST_ALGORITHMS  default MD5; e.g. SHA-256,MD5 (offered in that order)
  DIALBACK_PUBLIC_URL          the base of CallNow links
  DIALBACK_TRUST_PROXY         proxy hops (1) or proxy addresses/CIDRs to believe for client addresses
  DIALBACK_LOG_LEVEL           default info`;

function program(): Command {
  const cli = new Command('dialback')
    .description('Dialback: a callback server (CallNow links, callback extensions) speaking SIP')
    .version(version)
    .addHelpText('after', ENVIRONMENT_HELP)
    .exitOverride()
    .showHelpAfterError();

  cli
    .command('serve')
    .description('apply pending migrations, then serve HTTP and SIP until stopped')
    .addHelpText('after', ENVIRONMENT_HELP)
    .action(serve);

  cli
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(migrate);

  cli
    .command('provision')
    .description('create or update everything in a YAML file, in one transaction (running it twice changes nothing)')
    .argument('<file>', 'provisioning file (see schemas/provision.schema.json and examples/demo.yaml)')
    .option('--dry-run', 'check the file and show what would change, without changing anything')
    .action(provision);

  const admin = cli.command('admin').description('manage administrator users');
  admin
    .command('create')
    .description('create a provider administrator; the password is read from a prompt, standard input or --password-file')
    .argument('<email>', "the administrator's e-mail address (their sign-in name)")
    .option('--password-file <file>', 'read the password from the first line of this file')
    .action(adminCreate);

  const token = cli.command('token').description('manage API tokens for the REST API (Authorization: Bearer TOKEN)');
  token
    .command('create')
    .description("create an API token for an existing user; it is printed once and only its hash is kept")
    .argument('<email>', "the user's e-mail address")
    .option('--name <name>', 'what the token is for, shown by token list', 'api token')
    .action(tokenCreate);
  token
    .command('list')
    .description("list a user's API tokens (id, name, created, last used, revoked)")
    .argument('<email>', "the user's e-mail address")
    .action(tokenList);
  token
    .command('revoke')
    .description('revoke an API token: requests with it are refused from now on')
    .argument('<id>', 'the token id, as token list shows it')
    .action(tokenRevoke);

  const user = cli.command('user').description('manage portal users: resellers, organization managers, extension owners');
  user
    .command('create')
    .description('create a portal user; the password is read from a prompt, standard input or --password-file')
    .argument('<email>', "the user's e-mail address (their sign-in name)")
    .requiredOption('--role <role>', 'reseller (needs --reseller), org-manager (needs --organization) or extension-owner (needs --organization and --extension)')
    .option('--organization <name>', 'the organization the user belongs to')
    .option('--reseller <name>', 'the reseller account the user belongs to')
    .option('--extension <number>', "the organization's extension an extension owner owns")
    .option('--password-file <file>', 'read the password from the first line of this file')
    .action(userCreate);
  user
    .command('list')
    .description('list users: e-mail, role, account, extension and state (active, disabled, locked)')
    .option('--organization <name>', "only this organization's users")
    .action(userList);
  user
    .command('unlock')
    .description('end the sign-in lock after failed sign-ins')
    .argument('<email>', "the user's e-mail address")
    .action(userUnlock);
  user
    .command('disable')
    .description('stop a user from signing in or using API tokens; ends their sessions')
    .argument('<email>', "the user's e-mail address")
    .action(userDisable);
  user
    .command('enable')
    .description('let a disabled user sign in again')
    .argument('<email>', "the user's e-mail address")
    .action(userEnable);

  return cli;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError || error instanceof ProvisionError || error instanceof UsageError) {
      process.stderr.write(`dialback: ${error.message}\n`);
      return error instanceof ConfigError ? 78 : 1;
    }
    process.stderr.write(`dialback: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// serve keeps running until a signal; other commands end here.
if (code !== 0) process.exit(code);
