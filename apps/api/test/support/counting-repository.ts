import { KyselyNodeRepository } from '../../src/adapters/kysely-node.repository.ts';
import type { Db } from '../../src/db/database.ts';
import type { SummaryNode, TreePage } from '../../src/ports/node.repository.port.ts';

/** A node repository that counts the tree pages it reads as summaries (what a lineage answer with fields=summary reads). */
export class CountingRepository extends KyselyNodeRepository {
  pages = 0;
  constructor(db: Db) {
    super(db);
    const treePage = this.summaries.treePage.bind(this.summaries);
    this.summaries.treePage = (rootId: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage<SummaryNode>> => {
      this.pages++;
      return treePage(rootId, limit, after);
    };
  }
}
