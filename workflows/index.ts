/** Every workflow type the worker registers. */
export { campaignWorkflow } from './campaign.js';
export { orgNodeWorkflow } from './org-node.js';
