// NodePorts: a pod's host ports must be free on the node (0.0.0.0 takes the port on every address).
import { unschedulable, type FilterPlugin } from '../framework.ts';

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  preFilter(state) {
    return { skip: state.pod.hostPorts.length === 0 };
  },
  filter(state, node) {
    for (const port of state.pod.hostPorts) if (node.portInUse(port)) return unschedulable("node(s) didn't have free ports for the requested pod ports");
    return undefined;
  },
};
