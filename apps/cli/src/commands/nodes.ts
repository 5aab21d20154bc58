import type { Command } from 'commander';
import type { components } from '@nimbus/contracts';
import { defineCommand, type CliContext, type JsonOption } from '../context';
import { emit, formatAge, print, printTable } from '../output';

type Node = components['schemas']['NodeDto_Output'];

/** kubectl's way: `Ready,SchedulingDisabled` for a cordoned node. */
function statusOf(node: Node): string {
  return [node.status, node.cordoned ? 'SchedulingDisabled' : null, node.draining ? 'Draining' : null]
    .filter(Boolean)
    .join(',');
}

/** Cordoning, uncordoning and draining share their shape: POST, and the node back. */
const ACTIONS = [
  {
    verb: 'cordon',
    description: 'stop placing new instances on a node; those on it keep running',
    done: (node: Node) => `Cordoned node ${node.name}: no new instances are placed on it`,
  },
  {
    verb: 'uncordon',
    description: 'let instances be placed on a node again (ends a drain too)',
    done: (node: Node) => `Uncordoned node ${node.name}: instances may be placed on it again`,
  },
  {
    verb: 'drain',
    description: 'cordon a node and move its instances elsewhere, each replaced before it stops',
    done: (node: Node) =>
      `Draining node ${node.name}: its ${node.instances} instance${node.instances === 1 ? '' : 's'} move elsewhere`,
  },
] as const;

export function registerNodeCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'nodes', 'list the nodes instances run on (platform administrators)').action(
    async (options: JsonOption) => {
      const nodes = await context.session().call((client) => client.GET('/v1/nodes'));
      emit(options.json, nodes, () => {
        if (nodes.length === 0) return print('No nodes have joined yet: start an agent.');
        printTable(
          ['name', 'status', 'cpu', 'memory', 'instances', 'runtimes', 'address', 'lease renewed'],
          nodes.map((node) => [
            node.name,
            statusOf(node),
            `${node.allocatedCpuMillis}m/${node.cpuMillis}m`,
            `${node.allocatedMemoryMb}/${node.memoryMb} MB`,
            node.instances,
            node.runtimes.join(',') || null,
            node.address,
            formatAge(node.leaseRenewedAt),
          ]),
        );
      });
    },
  );

  for (const action of ACTIONS) {
    defineCommand(program, `nodes:${action.verb} <name>`, action.description).action(
      async (name: string, options: JsonOption) => {
        const node = await context
          .session()
          .call((client) => client.POST(`/v1/nodes/{name}/${action.verb}`, { params: { path: { name } } }));
        emit(options.json, node, () => print(action.done(node)));
      },
    );
  }
}
