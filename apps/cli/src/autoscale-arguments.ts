import type { components } from '@nimbus/contracts';
import { CliError } from './errors';

export type AutoscalerBody = components['schemas']['SetAutoscalerDto'];
type Behavior = NonNullable<AutoscalerBody['behavior']>;
type ScalingRules = NonNullable<Behavior['scaleUp']>;
type ScalingPolicy = NonNullable<ScalingRules['policies']>[number];

/** What `autoscale:set` takes, as commander hands it over (every value a string). */
export interface AutoscaleOptions {
  min?: string;
  max?: string;
  cpu?: string;
  concurrency?: string;
  rps?: string;
  idle?: string;
  upWindow?: string;
  downWindow?: string;
  upPolicy?: string;
  downPolicy?: string;
  upSelect?: string;
  downSelect?: string;
}

const SECONDS = /^(\d+)(s|m|h)?$/i;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;
const POLICY = /^(pods|percent)=(\d+)%?\/(\d+(?:s|m|h)?)$/i;
const POLICY_EXAMPLE = 'such as pods=4/15s or percent=100/15s';
const SELECT = { max: 'Max', min: 'Min', disabled: 'Disabled' } as const;

/** A whole number of instances: `--min 0`. */
function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`${flag} must be a whole number of instances, not "${value}"`);
  return Number(value);
}

/** A target above zero: `--concurrency 50`, `--rps 12.5`, `--cpu 70%`. */
function target(flag: string, value: string, unit = ''): number {
  const number = value.endsWith(unit) && unit ? value.slice(0, -unit.length) : value;
  if (!/^\d+(\.\d+)?$/.test(number) || Number(number) <= 0)
    throw new CliError(`${flag} must be a number above 0, not "${value}"`);
  return Number(number);
}

/** Whole seconds: `300s`, `5m`, or a bare number of seconds. */
export function parseSeconds(flag: string, value: string): number {
  const match = SECONDS.exec(value);
  if (!match) throw new CliError(`${flag} must be a duration such as 0s, 300s or 5m, not "${value}"`);
  const unit = (match[2]?.toLowerCase() ?? 's') as keyof typeof UNIT_SECONDS;
  return Number(match[1]) * UNIT_SECONDS[unit];
}

/**
 * `pods=4/15s,percent=100/15s`: Kubernetes' HPA policies, at most 4 instances or 100% per 15 s.
 * Ranges are left to the API, which owns those rules.
 */
export function parsePolicies(flag: string, value: string): ScalingPolicy[] {
  return value.split(',').map((part) => {
    const match = POLICY.exec(part.trim());
    if (!match) throw new CliError(`${flag}: "${part}" is not TYPE=VALUE/PERIOD, ${POLICY_EXAMPLE}`);
    const [, type = '', amount = '', period = ''] = match;
    return {
      type: type.toLowerCase() === 'pods' ? 'Pods' : 'Percent',
      value: Number(amount),
      periodSeconds: parseSeconds(flag, period),
    };
  });
}

function parseSelect(flag: string, value: string): ScalingRules['selectPolicy'] {
  const select = SELECT[value.toLowerCase() as keyof typeof SELECT];
  if (!select) throw new CliError(`${flag} must be max, min or disabled, not "${value}"`);
  return select;
}

/** One direction's rules from its flags; undefined when none of them was given. */
function rules(
  direction: 'up' | 'down',
  window: string | undefined,
  policies: string | undefined,
  select: string | undefined,
): ScalingRules | undefined {
  const parsed: ScalingRules = {
    ...(window !== undefined
      ? { stabilizationWindowSeconds: parseSeconds(`--${direction}-window`, window) }
      : {}),
    ...(policies !== undefined ? { policies: parsePolicies(`--${direction}-policy`, policies) } : {}),
    ...(select !== undefined ? { selectPolicy: parseSelect(`--${direction}-select`, select) } : {}),
  };
  return Object.keys(parsed).length ? parsed : undefined;
}

/** The `PUT …/autoscale/{type}` body; every flag is checked before anything is sent. */
export function autoscalerBody(options: AutoscaleOptions): AutoscalerBody {
  if (options.min === undefined || options.max === undefined)
    throw new CliError('give both --min and --max, such as --min 1 --max 10');
  const scaleUp = rules('up', options.upWindow, options.upPolicy, options.upSelect);
  const scaleDown = rules('down', options.downWindow, options.downPolicy, options.downSelect);
  return {
    min: count('--min', options.min),
    max: count('--max', options.max),
    ...(options.cpu !== undefined ? { cpu: target('--cpu', options.cpu, '%') } : {}),
    ...(options.concurrency !== undefined
      ? { concurrency: target('--concurrency', options.concurrency) }
      : {}),
    ...(options.rps !== undefined ? { rps: target('--rps', options.rps) } : {}),
    ...(options.idle !== undefined ? { idleTimeout: options.idle } : {}),
    ...(scaleUp || scaleDown
      ? { behavior: { ...(scaleUp ? { scaleUp } : {}), ...(scaleDown ? { scaleDown } : {}) } }
      : {}),
  };
}
