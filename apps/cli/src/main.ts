import { HELLO } from "#switchyard/contracts"; import { Queue } from "bullmq"; import { readGgufFileInfo } from "node-llama-cpp"; console.log(HELLO, typeof Queue, typeof readGgufFileInfo);
