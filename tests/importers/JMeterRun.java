// Runs a small JMeter test plan (2 threads, GET /ok and /boom, N loops) through JMeter's own
// engine and writes its CSV .jtl: the file `perfkit import jmeter` is tested on.
// Debian's jmeter 2.13 cannot load a .jmx plan (its xstream refuses JMeter's ScriptWrapper
// class: ForbiddenClassException), so the plan is built with JMeter's Java API instead.
// Arguments: JMETER_HOME HOST PORT OUT.jtl LOOPS
import org.apache.jmeter.control.LoopController;
import org.apache.jmeter.engine.StandardJMeterEngine;
import org.apache.jmeter.protocol.http.sampler.HTTPSamplerProxy;
import org.apache.jmeter.reporters.ResultCollector;
import org.apache.jmeter.testelement.TestPlan;
import org.apache.jmeter.threads.ThreadGroup;
import org.apache.jmeter.util.JMeterUtils;
import org.apache.jorphan.collections.HashTree;

public class JMeterRun {
    static HTTPSamplerProxy get(String host, int port, String path) {
        HTTPSamplerProxy sampler = new HTTPSamplerProxy();
        sampler.setName(path.substring(1));
        sampler.setDomain(host);
        sampler.setPort(port);
        sampler.setProtocol("http");
        sampler.setPath(path);
        sampler.setMethod("GET");
        sampler.setUseKeepAlive(true);
        return sampler;
    }

    public static void main(String[] args) throws Exception {
        String home = args[0];
        JMeterUtils.setJMeterHome(home);
        JMeterUtils.loadJMeterProperties(home + "/bin/jmeter.properties");
        JMeterUtils.setProperty("jmeter.save.saveservice.output_format", "csv");
        JMeterUtils.setProperty("jmeter.save.saveservice.print_field_names", "true");
        JMeterUtils.setProperty("jmeter.save.saveservice.url", "true");
        JMeterUtils.initLocale();
        LoopController loop = new LoopController();
        loop.setLoops(Integer.parseInt(args[4]));
        loop.setFirst(true);
        loop.initialize();
        ThreadGroup users = new ThreadGroup();
        users.setName("users");
        users.setNumThreads(2);
        users.setRampUp(0);
        users.setSamplerController(loop);
        ResultCollector results = new ResultCollector();
        results.setFilename(args[3]);
        HashTree plan = new HashTree();
        TestPlan test = new TestPlan("perfkit import test");
        plan.add(test);
        HashTree group = plan.add(test, users);
        group.add(get(args[1], Integer.parseInt(args[2]), "/ok"));
        group.add(get(args[1], Integer.parseInt(args[2]), "/boom"));
        plan.add(test, results);
        StandardJMeterEngine engine = new StandardJMeterEngine();
        engine.configure(plan);
        engine.run();
        System.exit(0);
    }
}
