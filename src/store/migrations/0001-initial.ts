import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * The whole SPEC's schema. Column types that differ between the two databases go
 * through `types` so the one migration runs on SQLite and PostgreSQL:
 * ids are identities, booleans are 0/1 integers, money is bigint micro-units,
 * instants are timestamptz on PostgreSQL and ISO-8601 text on SQLite.
 */
export const initial: Migration = {
  name: '0001-initial',
  async up(db, dialect) {
    const pgsql = dialect === 'postgres';
    const instant = pgsql ? sql`timestamptz` : sql`text`;
    const blob = pgsql ? sql`bytea` : sql`blob`;

    type Table = CreateTableBuilder<string, string>;
    const id = (t: Table): Table =>
      pgsql
        ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
        : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
    const flag = (t: Table, name: string, value: 0 | 1): Table =>
      t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(value).check(sql`${sql.ref(name)} in (0, 1)`));
    const times = (t: Table): Table =>
      t
        .addColumn('created_at', instant, (c) => c.notNull())
        .addColumn('updated_at', instant, (c) => c.notNull());
    const ref = (table: string, onDelete: 'cascade' | 'set null' | 'restrict' = 'restrict') =>
      (c: ColumnDefinitionBuilder) => c.references(`${table}.id`).onDelete(onDelete);
    const oneOf = (name: string, values: string[]) =>
      sql`${sql.ref(name)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    // Credit accounts: the balance and holds are kept on the row for atomic checks;
    // ledger_entries hold every change (their sums equal the row's columns).
    await times(
      id(db.schema.createTable('credit_accounts'))
        .addColumn('unlimited', 'integer', (c) => c.notNull().check(sql`unlimited in (0, 1)`))
        .addColumn('balance_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('held_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('floor_micros', 'bigint', (c) => c.notNull().defaultTo(0)),
    ).execute();

    // Provider (admin) → reseller → organization. Tariff and trunk are what an organization's calls use.
    await times(
      id(db.schema.createTable('accounts'))
        .addColumn('kind', 'text', (c) => c.notNull().check(oneOf('kind', ['provider', 'reseller', 'organization'])))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'bigint', ref('accounts', 'restrict'))
        .addColumn('default_country', 'text')
        .addColumn('tariff_id', 'bigint')
        .addColumn('trunk_id', 'bigint')
        .addColumn('credit_account_id', 'bigint', ref('credit_accounts'))
        .addColumn('max_extensions', 'integer')
        .addColumn('max_authorized_callerids', 'integer')
        .addColumn('max_concurrent_calls', 'integer')
        .addColumn('daily_spend_cap_micros', 'bigint')
        .addUniqueConstraint('accounts_kind_name_unique', ['kind', 'name']),
    ).execute();

    await times(
      id(db.schema.createTable('users'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) =>
          c.notNull().check(oneOf('role', ['admin', 'reseller', 'org_manager', 'extension_owner'])),
        )
        .addColumn('extension_id', 'bigint')
        .addColumn('failed_sign_ins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', instant),
    )
      .$call((t) => flag(t, 'disabled', 0))
      .execute();

    await times(
      id(db.schema.createTable('tariffs'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addUniqueConstraint('tariffs_account_name_unique', ['account_id', 'name']),
    ).execute();

    await id(db.schema.createTable('rates'))
      .addColumn('tariff_id', 'bigint', (c) => ref('tariffs', 'cascade')(c).notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('connect_fee_micros', 'bigint', (c) => c.notNull())
      .addColumn('per_minute_micros', 'bigint', (c) => c.notNull())
      .addColumn('flat_micros', 'bigint')
      .addColumn('first_increment_seconds', 'integer', (c) => c.notNull())
      .addColumn('next_increment_seconds', 'integer', (c) => c.notNull())
      .addUniqueConstraint('rates_tariff_prefix_unique', ['tariff_id', 'prefix'])
      .execute();

    await times(
      id(db.schema.createTable('trunks'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull().check(oneOf('transport', ['udp', 'tcp'])))
        .addColumn('username', 'text')
        .addColumn('password', 'text')
        .addColumn('from_domain', 'text')
        .addColumn('max_channels', 'integer'),
    )
      .$call((t) => flag(t, 'register', 0))
      .$call((t) => flag(t, 'enabled', 1))
      .execute();

    if (pgsql) {
      // SQLite accepts forward references inline; PostgreSQL needs the tables first.
      await db.schema
        .alterTable('accounts')
        .addForeignKeyConstraint('accounts_tariff_fk', ['tariff_id'], 'tariffs', ['id'])
        .onDelete('set null')
        .execute();
      await db.schema
        .alterTable('accounts')
        .addForeignKeyConstraint('accounts_trunk_fk', ['trunk_id'], 'trunks', ['id'])
        .onDelete('set null')
        .execute();
    }

    await times(
      id(db.schema.createTable('time_intervals'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addUniqueConstraint('time_intervals_account_name_unique', ['account_id', 'name']),
    ).execute();

    await id(db.schema.createTable('time_interval_slots'))
      .addColumn('time_interval_id', 'bigint', (c) => ref('time_intervals', 'cascade')(c).notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('days', 'text', (c) => c.notNull())
      .addColumn('from_minute', 'integer', (c) => c.notNull())
      .addColumn('to_minute', 'integer', (c) => c.notNull())
      .execute();

    await id(db.schema.createTable('time_interval_exceptions'))
      .addColumn('time_interval_id', 'bigint', (c) => ref('time_intervals', 'cascade')(c).notNull())
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull().check(sql`closed in (0, 1)`))
      .addColumn('from_minute', 'integer')
      .addColumn('to_minute', 'integer')
      .addUniqueConstraint('time_interval_exceptions_unique', ['time_interval_id', 'date'])
      .execute();

    await times(
      id(db.schema.createTable('extensions'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull().check(oneOf('type', ['phone', 'callback'])))
        .addColumn('external_number', 'text')
        .addColumn('sip_password', 'text')
        .addColumn('credit_account_id', 'bigint', (c) => ref('credit_accounts')(c).notNull())
        .addUniqueConstraint('extensions_account_number_unique', ['account_id', 'number']),
    )
      .$call((t) => flag(t, 'call_api_enabled', 0))
      .execute();

    await db.schema
      .createTable('callnow_preferences')
      .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).primaryKey())
      .addColumn('callnow_id', 'text', (c) => c.notNull().unique())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('availability_interval_id', 'bigint', ref('time_intervals', 'set null'))
      .addColumn('updated_at', instant, (c) => c.notNull())
      .$call((t) => flag(t, 'enabled', 0))
      .$call((t) => flag(t, 'confirm', 1))
      .$call((t) => flag(t, 'show_name', 0))
      .$call((t) => flag(t, 'ask_name', 1))
      .$call((t) => flag(t, 'captcha', 1))
      .$call((t) => flag(t, 'reject_while_on_phone', 0))
      .execute();

    await id(db.schema.createTable('callnow_rules'))
      .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('number_pattern', 'text')
      .addColumn('name_pattern', 'text')
      .addColumn('action', 'text', (c) => c.notNull().check(oneOf('action', ['accept', 'confirm', 'reject'])))
      .addUniqueConstraint('callnow_rules_position_unique', ['extension_id', 'position'])
      .execute();

    await db.schema
      .createTable('callback_settings')
      .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).primaryKey())
      .addColumn('ring_seconds', 'integer', (c) => c.notNull())
      .addColumn('return_mode', 'text', (c) =>
        c.notNull().check(oneOf('return_mode', ['authorized', 'callerid', 'fixed'])),
      )
      .addColumn('fixed_number', 'text')
      .addColumn('password', 'text')
      .addColumn('dial_timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('credit_exhausted_sound', 'text')
      .addColumn('max_authorized_callerids', 'integer', (c) => c.notNull())
      .addColumn('updated_at', instant, (c) => c.notNull())
      .$call((t) => flag(t, 'per_callerid_password', 0))
      .$call((t) => flag(t, 'credit_inquiry', 0))
      .execute();

    await times(
      id(db.schema.createTable('authorized_callerids'))
        .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).notNull())
        .addColumn('caller_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('password', 'text')
        .addColumn('credit_account_id', 'bigint', (c) => ref('credit_accounts')(c).notNull())
        .addColumn('failed_password_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', instant)
        .addUniqueConstraint('authorized_callerids_unique', ['extension_id', 'caller_id']),
    )
      .$call((t) => flag(t, 'active', 1))
      .execute();

    // §5: PIN, ANI, DID and web callback accounts.
    await times(
      id(db.schema.createTable('callback_accounts'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('pin', 'text', (c) => c.unique())
        .addColumn('default_number', 'text')
        .addColumn('credit_account_id', 'bigint', (c) => ref('credit_accounts')(c).notNull())
        .addColumn('user_id', 'bigint', ref('users', 'set null'))
        .addUniqueConstraint('callback_accounts_account_name_unique', ['account_id', 'name']),
    ).execute();

    await id(db.schema.createTable('callback_account_callerids'))
      .addColumn('callback_account_id', 'bigint', (c) => ref('callback_accounts', 'cascade')(c).notNull())
      .addColumn('caller_id', 'text', (c) => c.notNull().unique())
      .execute();

    await db.schema
      .createTable('dids')
      .$call(id)
      .addColumn('number', 'text', (c) => c.notNull().unique())
      .addColumn('trunk_id', 'bigint', (c) => ref('trunks')(c).notNull())
      .addColumn('extension_id', 'bigint', ref('extensions', 'set null'))
      .addColumn('callback_account_id', 'bigint', ref('callback_accounts', 'set null'))
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('updated_at', instant, (c) => c.notNull())
      .execute();

    await times(
      id(db.schema.createTable('ledger_reservations'))
        .addColumn('credit_account_id', 'bigint', (c) => ref('credit_accounts', 'cascade')(c).notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('captured_micros', 'bigint')
        .addColumn('state', 'text', (c) => c.notNull().check(oneOf('state', ['open', 'settled'])))
        .addColumn('purpose', 'text', (c) => c.notNull()),
    ).execute();

    await id(db.schema.createTable('ledger_entries'))
      .addColumn('credit_account_id', 'bigint', (c) => ref('credit_accounts', 'cascade')(c).notNull())
      .addColumn('kind', 'text', (c) =>
        c.notNull().check(oneOf('kind', ['recharge', 'adjustment', 'reservation', 'capture', 'release'])),
      )
      .addColumn('amount_micros', 'bigint', (c) => c.notNull())
      .addColumn('held_micros', 'bigint', (c) => c.notNull())
      .addColumn('balance_after_micros', 'bigint', (c) => c.notNull())
      .addColumn('held_after_micros', 'bigint', (c) => c.notNull())
      .addColumn('unlimited_after', 'integer', (c) => c.notNull())
      .addColumn('reservation_id', 'bigint', ref('ledger_reservations', 'set null'))
      .addColumn('note', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('created_at', instant, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('ledger_entries_account_idx')
      .on('ledger_entries')
      .columns(['credit_account_id', 'id'])
      .execute();

    await times(
      id(db.schema.createTable('sound_folders'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addUniqueConstraint('sound_folders_account_name_unique', ['account_id', 'name']),
    ).execute();

    await times(
      id(db.schema.createTable('sounds'))
        .addColumn('folder_id', 'bigint', (c) => ref('sound_folders', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('encoding', 'text', (c) => c.notNull().check(oneOf('encoding', ['pcm16', 'pcmu', 'pcma'])))
        .addColumn('audio', blob, (c) => c.notNull())
        .addUniqueConstraint('sounds_folder_name_unique', ['folder_id', 'name']),
    ).execute();

    await times(
      id(db.schema.createTable('phone_book_entries'))
        .addColumn('user_id', 'bigint', (c) => ref('users', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull()),
    ).execute();

    // One row per request to be called back, whatever triggered it (§2, §3, §5).
    await times(
      id(db.schema.createTable('callback_requests'))
        .addColumn('kind', 'text', (c) =>
          c.notNull().check(oneOf('kind', ['callnow', 'callback', 'pin', 'ani', 'did', 'sms', 'web'])),
        )
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('extension_id', 'bigint', ref('extensions', 'set null'))
        .addColumn('callback_account_id', 'bigint', ref('callback_accounts', 'set null'))
        .addColumn('authorized_callerid_id', 'bigint', ref('authorized_callerids', 'set null'))
        .addColumn('requester_name', 'text')
        .addColumn('requester_number', 'text')
        .addColumn('destination_number', 'text')
        .addColumn('client_address', 'text')
        .addColumn('language', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('scheduled_at', instant)
        .addColumn('credit_account_id', 'bigint', ref('credit_accounts', 'set null'))
        .addColumn('cost_micros', 'bigint', (c) => c.notNull().defaultTo(0)),
    ).execute();
    await db.schema
      .createIndex('callback_requests_extension_idx')
      .on('callback_requests')
      .columns(['extension_id', 'created_at'])
      .execute();

    // Call detail records: one per leg.
    await id(db.schema.createTable('call_legs'))
      .addColumn('request_id', 'bigint', ref('callback_requests', 'cascade'))
      .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
      .addColumn('role', 'text', (c) =>
        c.notNull().check(oneOf('role', ['owner', 'requester', 'caller', 'callback', 'destination', 'source'])),
      )
      .addColumn('direction', 'text', (c) => c.notNull().check(oneOf('direction', ['inbound', 'outbound'])))
      .addColumn('from_number', 'text')
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('extension_id', 'bigint', ref('extensions', 'set null'))
      .addColumn('trunk_id', 'bigint', ref('trunks', 'set null'))
      .addColumn('sip_call_id', 'text')
      .addColumn('cause', 'text')
      .addColumn('started_at', instant, (c) => c.notNull())
      .addColumn('answered_at', instant)
      .addColumn('ended_at', instant)
      .addColumn('duration_seconds', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('billed_seconds', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rate_prefix', 'text')
      .addColumn('cost_micros', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('credit_account_id', 'bigint', ref('credit_accounts', 'set null'))
      .execute();
    await db.schema
      .createIndex('call_legs_account_idx')
      .on('call_legs')
      .columns(['account_id', 'started_at'])
      .execute();

    await db.schema
      .createTable('api_tokens')
      .$call(id)
      .addColumn('user_id', 'bigint', (c) => ref('users', 'cascade')(c).notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', instant, (c) => c.notNull())
      .addColumn('last_used_at', instant)
      .addColumn('revoked_at', instant)
      .execute();

    await id(db.schema.createTable('audit_log'))
      .addColumn('at', instant, (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text')
      .addColumn('details', 'text')
      .execute();

    // §7 fraud guard: destinations the provider (account null) or an account allows or denies.
    await id(db.schema.createTable('destination_policies'))
      .addColumn('account_id', 'bigint', ref('accounts', 'cascade'))
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull().check(oneOf('action', ['allow', 'deny'])))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .execute();

    await times(
      id(db.schema.createTable('webhooks'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull()),
    )
      .$call((t) => flag(t, 'enabled', 1))
      .execute();

    await times(
      id(db.schema.createTable('sms_gateways'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique()),
    ).execute();

    // Registrar bindings (RFC 3261 §10), shared by every node.
    await id(db.schema.createTable('sip_bindings'))
      .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).notNull())
      .addColumn('contact_uri', 'text', (c) => c.notNull())
      .addColumn('expires_at', instant, (c) => c.notNull())
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('cseq', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('updated_at', instant, (c) => c.notNull())
      .addUniqueConstraint('sip_bindings_unique', ['extension_id', 'contact_uri'])
      .execute();

    // §7 team links: one CallNow link that rings several extensions.
    await times(
      id(db.schema.createTable('callnow_teams'))
        .addColumn('account_id', 'bigint', (c) => ref('accounts', 'cascade')(c).notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('callnow_id', 'text', (c) => c.notNull().unique()),
    ).execute();
    await db.schema
      .createTable('callnow_team_members')
      .addColumn('team_id', 'bigint', (c) => ref('callnow_teams', 'cascade')(c).notNull())
      .addColumn('extension_id', 'bigint', (c) => ref('extensions', 'cascade')(c).notNull())
      .addPrimaryKeyConstraint('callnow_team_members_pk', ['team_id', 'extension_id'])
      .execute();
  },
};

