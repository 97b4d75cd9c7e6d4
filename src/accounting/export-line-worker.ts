// A worker thread of parsedLineBlocks: parses and hashes one block of export lines.
import { parseBlock } from "./export-line.js";

export default parseBlock;
