// The scenario catalogue (listed by `tlbemu scenarios`).
import type { Scenario } from '../scenario.js';
import { hotplug419 } from './hotplug-4.19.js';
import { hotplugV2 } from './hotplug-v2.js';
import { hotplugUpstream } from './hotplug-upstream.js';
import { hotplugV1 } from './hotplug-v1.js';
import { hotremove } from './hotremove.js';
import { hotremoveNoflush } from './hotremove-noflush.js';
import { changeNoflush } from './change-noflush.js';

export const SCENARIOS: readonly Scenario[] = [
  hotplug419, hotplugV2, hotplugUpstream, hotplugV1, hotremove, hotremoveNoflush, changeNoflush,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
