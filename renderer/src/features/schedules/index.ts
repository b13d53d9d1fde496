export { default as SchedulesView } from './SchedulesView.svelte';
export { splitAutomation, withAutomation } from './automation-file.js';
