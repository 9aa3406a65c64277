/** Every workflow type the worker registers. */
export { campaignWorkflow } from './campaign.js';
export { orgNodeWorkflow } from './org-node.js';
export { jointAnswerWorkflow } from './joint-answer.js';
export { publicMessageWorkflow } from './public-message.js';
export { inspectionRoundWorkflow } from './inspection.js';
export { reportWorkflow } from './report.js';
