import type { Command } from 'commander';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatDate, print, printTable } from '../output';

export function registerTenantCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'tenants', 'list the tenants you belong to').action(async (options: JsonOption) => {
    const tenants = await context.session().call((client) => client.GET('/v1/tenants'));
    emit(options.json, tenants, () => {
      if (tenants.length === 0)
        return print('You belong to no tenants yet: create one with `nimbus tenants:create NAME`.');
      printTable(
        ['name', 'role', 'created'],
        tenants.map((tenant) => [tenant.name, tenant.role, formatDate(tenant.createdAt)]),
      );
    });
  });

  defineCommand(program, 'tenants:create <name>', 'create a tenant; you become its owner').action(
    async (name: string, options: JsonOption) => {
      const tenant = await context.session().call((client) => client.POST('/v1/tenants', { body: { name } }));
      emit(options.json, tenant, () => print(`Created tenant ${tenant.name}`));
    },
  );
}
